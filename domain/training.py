"""Training: classes filed (开班备案), trainees enrolled, attendance, completion,
certificates issued, and trainees placed in jobs."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.base import Created, Entity, entity_id, records


class TrainingClass(Entity):
    """A filed class. Enrolments are counted here, so a class's size is one load."""

    TOPIC = "skillfund:TrainingClass"

    class Opened(Created):
        TOPIC = "skillfund:TrainingClass.Opened"
        class_id: str
        fund_id: str
        institution_id: str
        scheme: str
        occupation: str
        level: str | None
        start_date: date
        end_date: date
        class_hours: int
        venue: str | None
        on: date
        digest: str

    class TraineeAdded(Entity.Event):
        TOPIC = "skillfund:TrainingClass.TraineeAdded"
        person_id: str
        on: date

    @staticmethod
    def create_id(class_id: str) -> UUID:
        return entity_id(f"/classes/{class_id}")

    def __init__(
        self,
        class_id: str,
        fund_id: str,
        institution_id: str,
        scheme: str,
        occupation: str,
        level: str | None,
        start_date: date,
        end_date: date,
        class_hours: int,
        venue: str | None,
        on: date,
        digest: str,
    ) -> None:
        self.class_id, self.fund_id, self.institution_id = class_id, fund_id, institution_id
        self.scheme, self.occupation, self.level = scheme, occupation, level
        self.start_date, self.end_date, self.class_hours = start_date, end_date, class_hours
        self.venue, self.digest = venue, digest
        self.trainees: list[str] = []

    def add_trainee(self, person_id: str, on: date) -> None:
        self._trainee_added(person_id, on)

    @records(TraineeAdded)
    def _trainee_added(self, person_id: str, on: date) -> None:
        self.trainees.append(person_id)


class Enrollment(Entity):
    """One person in one class: enrolment, each attendance record, and completion."""

    TOPIC = "skillfund:Enrollment"

    class Enrolled(Created):
        TOPIC = "skillfund:Enrollment.Enrolled"
        class_id: str
        person_id: str
        on: date
        digest: str

    class AttendanceRecorded(Entity.Event):
        TOPIC = "skillfund:Enrollment.AttendanceRecorded"
        key: str
        on: date
        minutes: int
        start: str | None
        end: str | None
        digest: str

    class Completed(Entity.Event):
        TOPIC = "skillfund:Enrollment.Completed"
        passed: bool
        on: date
        digest: str

    @staticmethod
    def create_id(class_id: str, person_id: str) -> UUID:
        return entity_id(f"/enrollments/{class_id}/{person_id}")

    def __init__(self, class_id: str, person_id: str, on: date, digest: str) -> None:
        self.class_id, self.person_id, self.enrolled_on, self.digest = (
            class_id,
            person_id,
            on,
            digest,
        )
        self.attendance: dict[str, str] = {}  # Natural key of each record -> its digest.
        self.attended_minutes = 0
        self.completed_on: date | None = None
        self.passed = False
        self.completion_digest: str | None = None

    def record_attendance(
        self, key: str, on: date, minutes: int, start: str | None, end: str | None, digest: str
    ) -> None:
        self._attendance_recorded(key, on, minutes, start, end, digest)

    @records(AttendanceRecorded)
    def _attendance_recorded(
        self, key: str, on: date, minutes: int, start: str | None, end: str | None, digest: str
    ) -> None:
        self.attendance[key] = digest
        self.attended_minutes += minutes

    def complete(self, passed: bool, on: date, digest: str) -> None:
        self._completed(passed, on, digest)

    @records(Completed)
    def _completed(self, passed: bool, on: date, digest: str) -> None:
        self.completed_on, self.passed, self.completion_digest = on, passed, digest


class Certificate(Entity):
    """A certificate issued to a person. At most one claim may be based on it."""

    TOPIC = "skillfund:Certificate"

    class Issued(Created):
        TOPIC = "skillfund:Certificate.Issued"
        certificate_no: str
        person_id: str
        kind: str
        occupation: str
        level: str | None
        issuer_id: str
        issued_in: str
        on: date
        digest: str

    class ClaimedBy(Entity.Event):
        TOPIC = "skillfund:Certificate.ClaimedBy"
        claim_id: str
        on: date

    @staticmethod
    def create_id(certificate_no: str) -> UUID:
        return entity_id(f"/certificates/{certificate_no}")

    def __init__(
        self,
        certificate_no: str,
        person_id: str,
        kind: str,
        occupation: str,
        level: str | None,
        issuer_id: str,
        issued_in: str,
        on: date,
        digest: str,
    ) -> None:
        self.certificate_no, self.person_id, self.kind = certificate_no, person_id, kind
        self.occupation, self.level, self.issuer_id = occupation, level, issuer_id
        self.issued_in, self.issued_on, self.digest = issued_in, on, digest
        self.claim_id: str | None = None

    def claimed_by(self, claim_id: str, on: date) -> None:
        self._claimed_by(claim_id, on)

    @records(ClaimedBy)
    def _claimed_by(self, claim_id: str, on: date) -> None:
        self.claim_id = claim_id


class Employment(Entity):
    """A trainee placed in a job (Linkou's employment-service subsidy, Yuncheng's rate)."""

    TOPIC = "skillfund:Employment"

    class Recorded(Created):
        TOPIC = "skillfund:Employment.Recorded"
        employment_id: str
        person_id: str
        employer_id: str
        on: date
        digest: str

    @staticmethod
    def create_id(employment_id: str) -> UUID:
        return entity_id(f"/employments/{employment_id}")

    def __init__(
        self, employment_id: str, person_id: str, employer_id: str, on: date, digest: str
    ) -> None:
        self.employment_id, self.person_id, self.employer_id = employment_id, person_id, employer_id
        self.on, self.digest = on, digest
