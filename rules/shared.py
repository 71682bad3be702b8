"""The checks every jurisdiction shares (FRAUD_RULES.md, Reject), each citing the
jurisdiction's own clause through its pack.

A check takes the facts and the pack and returns the reasons it fails (empty: it passes).
Which checks apply to which subsidy is data: `SubsidyRule.checks` names them from `CHECKS`.
Every check reads only what it needs and passes when its input is absent and not required,
so that the check that needs that input reports it once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.decision import Decision, Reason
from domain.vocabulary import CERTIFICATE_KINDS, SUBSIDIES
from rules.compute import rejection
from rules.facts import ClaimFacts
from rules.pack import PERSON, Payee, RulePack

Check = Callable[[ClaimFacts, RulePack], list[Reason]]

# Subsidies that are not themselves a training the person takes: they skip the annual
# limit (LIM-01) and the occupation-and-level limit (LIM-02), and an approved claim on
# them is not counted on those limits. 以工代训 is paid per month of employment.
NOT_TRAININGS = frozenset(
    {"living_allowance", "employment_service", "school_graduate", "work_based"}
)

# The bundles jurisdiction modules compose their check tables from.
COMMON_CHECKS = ("pensioner", "institution_banned", "beneficiary")
TRAINING_LIMIT_CHECKS = ("annual_limit", "same_occupation_level")
CERTIFICATE_CHECKS = (
    "certificate_holder",
    "certificate_kind",
    "certificate_unclaimed",
    "certificate_local",
)
CLASS_CHECKS = ("class_scheme", "training_passed", "attendance")


def counts_as_training(subsidy: str) -> bool:
    """Whether an approved claim on the subsidy counts as one of the person's trainings."""
    return subsidy not in NOT_TRAININGS


def reason(
    pack: RulePack, facts: ClaimFacts, check: str, code: str, message: str, check_id: str = ""
) -> Reason:
    """A reason citing the clause the pack gives for `check` on the claim's subsidy."""
    return Reason(code, message, pack.cite(pack.clause_for(check, facts.subsidy)), check_id)


def check_pensioner(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """ELIG-01: people who draw a monthly pension are outside the subsidy policy."""
    if not facts.person.pensioner:
        return []
    message = "the person draws a monthly pension and is outside the subsidy policy"
    return [reason(pack, facts, "pensioner", "pensioner", message, "ELIG-01")]


def check_institution_banned(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """INST-01: a banned institution files no new claims."""
    if facts.beneficiary is None or not facts.beneficiary.banned:
        return []
    message = f"institution {facts.beneficiary.institution_id} is banned from subsidised training"
    return [reason(pack, facts, "institution_banned", "institution_banned", message, "INST-01")]


def check_beneficiary(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """The payee rule of the subsidy: the person, or an institution of the right kind."""
    payee = pack.rule(facts.subsidy).payee_for(facts.enterprise_paid)
    problem = payee_problem(facts, payee)
    if problem is None:
        return []
    message = f"{facts.subsidy} is paid to the {payee.describe()}; {problem}"
    return [reason(pack, facts, "beneficiary", "wrong_beneficiary", message)]


def payee_problem(facts: ClaimFacts, payee: Payee) -> str | None:
    """Why the claim's beneficiary is not a payee the rule allows, or None when it is."""
    if facts.beneficiary_is_person:
        if PERSON not in payee.kinds:
            return "the beneficiary is a person"
        if facts.beneficiary_id != facts.person.person_id:
            return "the beneficiary is not the trainee"
        return None
    institution = facts.beneficiary
    if institution is None or institution.institution_id != facts.beneficiary_id:
        return f"the beneficiary {facts.beneficiary_id} is not a registered institution"
    if institution.kind not in payee.kinds:
        return f"the beneficiary is a {institution.kind}"
    if payee.insured and not institution.insured:
        return f"{institution.institution_id} does not take part in unemployment insurance"
    employer_id = facts.person.employer_id
    if payee.organiser:
        return organiser_problem(facts, institution.institution_id)
    if payee.employer and employer_id is not None and employer_id != institution.institution_id:
        return f"the person's employer is {employer_id}, not {institution.institution_id}"
    return None


def organiser_problem(facts: ClaimFacts, institution_id: str) -> str | None:
    """Why the institution did not organise the training: another institution ran the
    class, or (no class) the person works for another enterprise. None when it did."""
    if facts.klass is not None:
        if facts.klass.institution_id == institution_id:
            return None
        return f"class {facts.klass.class_id} was run by {facts.klass.institution_id}"
    employer_id = facts.person.employer_id
    if employer_id is None or employer_id == institution_id:
        return None
    return f"the claim names no class and the person's employer is {employer_id}"


def check_annual_limit(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """LIM-01: at most `trainings_per_year_max` subsidised trainings in a calendar year.

    A claim on a training already counted this year (an allowance beside its main
    subsidy, a second year of the same class) does not count again.
    """
    limits, maximum = facts.limits, pack.figure("trainings_per_year_max")
    if limits.training_key in limits.trainings_this_year:
        return []
    if len(limits.trainings_this_year) < maximum:
        return []
    message = (
        f"the person already had {len(limits.trainings_this_year)} subsidised trainings in "
        f"{facts.training_date.year}; at most {maximum} a year"
    )
    return [reason(pack, facts, "annual_limit", "annual_limit", message, "LIM-01")]


def check_same_occupation_level(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """LIM-02: one subsidy per person for one occupation at one level, under any subsidy."""
    used_by = facts.limits.occupation_level_training
    if used_by is None or used_by == facts.limits.training_key:
        return []
    message = (
        f"{facts.occupation} at level {facts.level} was already subsidised "
        f"for this person under training {used_by}"
    )
    return [
        reason(pack, facts, "same_occupation_level", "same_occupation_level", message, "LIM-02")
    ]


def check_exclusive_subsidy(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """LIM-04: subsidies the document says are not both paid for one person."""
    other = pack.exclusive.get(facts.subsidy)
    if other is None or facts.limits.exclusive_claimed != other:
        return []
    message = f"the person already has an approved {other} subsidy, which excludes {facts.subsidy}"
    return [reason(pack, facts, "exclusive_subsidy", "exclusive_subsidy", message, "LIM-04")]


def check_certificate_holder(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """CERT-01 and TRN-01: a certificate named must exist and be the person's; a subsidy paid
    for a certificate needs one named."""
    certificate = facts.certificate
    if certificate is None:
        return _missing_certificate(facts, pack)
    if certificate.person_id == facts.person.person_id:
        return []
    message = f"certificate {certificate.certificate_no} belongs to {certificate.person_id}"
    code = "certificate_of_another_person"
    return [reason(pack, facts, "certificate_holder", code, message, "CERT-01")]


def _missing_certificate(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    if facts.certificate_no is not None:
        message = f"no certificate {facts.certificate_no} is recorded"
        code = "certificate_not_found"
        return [reason(pack, facts, "certificate_holder", code, message, "CERT-01")]
    if not pack.rule(facts.subsidy).certificate_kinds:
        return []
    message = f"{facts.subsidy} is paid for a certificate and the claim names none"
    return [reason(pack, facts, "certificate_holder", "certificate_required", message, "TRN-01")]


def check_certificate_kind(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """TRN-01: the certificate must be of a kind the subsidy is paid for."""
    kinds = pack.rule(facts.subsidy).certificate_kinds
    certificate = facts.certificate
    if not kinds or certificate is None or certificate.kind in kinds:
        return []
    wanted = " or ".join(CERTIFICATE_KINDS.get(k, k) for k in sorted(kinds))
    message = (
        f"{facts.subsidy} needs a {wanted}; certificate {certificate.certificate_no} "
        f"is a {CERTIFICATE_KINDS.get(certificate.kind, certificate.kind)}"
    )
    return [reason(pack, facts, "certificate_kind", "certificate_required", message, "TRN-01")]


def check_certificate_unclaimed(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """CERT-02: a certificate is the basis of one claim only."""
    if facts.certificate is None:
        return []
    claimed_by = facts.limits.certificate_claim_id
    if claimed_by is None or claimed_by == facts.claim_id:
        return []
    message = (
        f"certificate {facts.certificate.certificate_no} is already the basis of claim {claimed_by}"
    )
    code = "certificate_already_claimed"
    return [reason(pack, facts, "certificate_unclaimed", code, message, "CERT-02")]


def check_certificate_local(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """ELIG-04: some certificate kinds count only when obtained in the jurisdiction."""
    certificate = facts.certificate
    if certificate is None or certificate.issued_in == pack.jurisdiction:
        return []
    if certificate.kind not in pack.names("local_only_certificate_kinds"):
        return []
    message = (
        f"a {CERTIFICATE_KINDS.get(certificate.kind, certificate.kind)} counts only when obtained "
        f"in {pack.jurisdiction}; {certificate.certificate_no} was obtained "
        f"in {certificate.issued_in}"
    )
    return [reason(pack, facts, "certificate_local", "certificate_not_local", message, "ELIG-04")]


def check_certificate_trained_locally(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """ELIG-04, where the text asks for local *training* (Rugao 十三 "经我市职业培训机构培训
    获证"): a local-only certificate counts when the class that led to it was run by an
    institution of the jurisdiction; without a class, when it was issued there."""
    certificate = facts.certificate
    if certificate is None or certificate.kind not in pack.names("local_only_certificate_kinds"):
        return []
    trainer = facts.class_institution
    where = trainer.jurisdiction if trainer is not None else certificate.issued_in
    if where == pack.jurisdiction:
        return []
    kind = CERTIFICATE_KINDS.get(certificate.kind, certificate.kind)
    source = f"trained by {trainer.institution_id}" if trainer else "obtained"
    message = (
        f"a {kind} counts only when trained for at an institution of {pack.jurisdiction}; "
        f"{certificate.certificate_no} was {source} in {where}"
    )
    code = "certificate_not_local"
    return [reason(pack, facts, "certificate_trained_locally", code, message, "ELIG-04")]


def check_unemployment_benefit(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """ELIG-03: no living allowance while the person draws unemployment-insurance benefit."""
    if not facts.person.unemployment_benefit:
        return []
    message = f"the person draws unemployment-insurance benefit; no {facts.subsidy} meanwhile"
    code = "unemployment_benefit"
    return [reason(pack, facts, "unemployment_benefit", code, message, "ELIG-03")]


def check_class_scheme(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """TRN-01: the class must be of a scheme the subsidy pays for (no other training passed off)."""
    schemes = pack.rule(facts.subsidy).schemes
    if facts.klass is None or not schemes or facts.klass.scheme in schemes:
        return []
    message = (
        f"class {facts.klass.class_id} is a {facts.klass.scheme} class; "
        f"{facts.subsidy} is paid for {' or '.join(sorted(schemes))} classes"
    )
    return [reason(pack, facts, "class_scheme", "wrong_scheme", message, "TRN-01")]


def check_training_passed(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """TRN-01: the person completed the class and passed."""
    if facts.klass is None or facts.training is None:
        problem = "no training record was found for the person"
    elif not facts.training.completed:
        problem = f"the person has not completed class {facts.klass.class_id}"
    elif not facts.training.passed:
        problem = f"the person did not pass class {facts.klass.class_id}"
    else:
        return []
    label = SUBSIDIES.get(facts.subsidy, facts.subsidy)
    message = f"{label} needs a completed, passed training: {problem}"
    return [reason(pack, facts, "training_passed", "training_not_passed", message, "TRN-01")]


def check_enrolled(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """TRN-01: an allowance paid during training needs the person enrolled in a class."""
    if facts.klass is not None and facts.training is not None:
        return []
    message = f"{facts.subsidy} is paid during training; the person is not enrolled in a class"
    return [reason(pack, facts, "enrolled", "not_enrolled", message, "TRN-01")]


def check_attendance(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """TRN-02: attended at least `attendance_min_percent` of the class hours."""
    if facts.klass is None or facts.training is None:
        return []
    percent = pack.figure("attendance_min_percent")
    attended, required = facts.training.attended_minutes, facts.klass.class_hours * 60
    if attended * 100 >= required * percent:
        return []
    message = (
        f"the person attended {attended} of {required} minutes of class "
        f"{facts.klass.class_id}; at least {percent}% is required"
    )
    return [reason(pack, facts, "attendance", "attendance_below_minimum", message, "TRN-02")]


CHECKS: dict[str, Check] = {
    "pensioner": check_pensioner,
    "institution_banned": check_institution_banned,
    "beneficiary": check_beneficiary,
    "annual_limit": check_annual_limit,
    "same_occupation_level": check_same_occupation_level,
    "exclusive_subsidy": check_exclusive_subsidy,
    "certificate_holder": check_certificate_holder,
    "certificate_kind": check_certificate_kind,
    "certificate_unclaimed": check_certificate_unclaimed,
    "certificate_local": check_certificate_local,
    "certificate_trained_locally": check_certificate_trained_locally,
    "unemployment_benefit": check_unemployment_benefit,
    "class_scheme": check_class_scheme,
    "training_passed": check_training_passed,
    "enrolled": check_enrolled,
    "attendance": check_attendance,
}

# The FRAUD_RULES.md id of each check, for `explain` ("" where none applies).
CHECK_IDS: dict[str, str] = {
    "pensioner": "ELIG-01",
    "institution_banned": "INST-01",
    "beneficiary": "",
    "annual_limit": "LIM-01",
    "same_occupation_level": "LIM-02",
    "exclusive_subsidy": "LIM-04",
    "certificate_holder": "CERT-01",
    "certificate_kind": "TRN-01",
    "certificate_unclaimed": "CERT-02",
    "certificate_local": "ELIG-04",
    "certificate_trained_locally": "ELIG-04",
    "unemployment_benefit": "ELIG-03",
    "class_scheme": "TRN-01",
    "training_passed": "TRN-01",
    "enrolled": "TRN-01",
    "attendance": "TRN-02",
}


# The figures each check reads, recorded with a rejection as its thresholds.
CHECK_PARAMETERS: dict[str, tuple[str, ...]] = {
    "annual_limit": ("trainings_per_year_max",),
    "certificate_local": ("local_only_certificate_kinds",),
    "certificate_trained_locally": ("local_only_certificate_kinds",),
    "attendance": ("attendance_min_percent",),
}


def run_checks(facts: ClaimFacts, pack: RulePack) -> tuple[list[Reason], dict[str, Any]]:
    """Every failing reason of the shared checks the subsidy's rule names, in table order,
    with the figures of the checks that failed."""
    reasons: list[Reason] = []
    thresholds: dict[str, Any] = {}
    for name in pack.rule(facts.subsidy).checks:
        found = CHECKS[name](facts, pack)
        reasons.extend(found)
        for parameter in CHECK_PARAMETERS.get(name, ()) if found else ():
            thresholds[parameter] = pack.parameter(parameter).as_json()
    return reasons, thresholds


def unprovided_decision(facts: ClaimFacts, pack: RulePack) -> Decision:
    """Reject a subsidy the pack does not pay: not provided, or no rate encoded."""
    entry = pack.unprovided.get(facts.subsidy)
    if entry is None:
        message = f"{pack.document} provides no {facts.subsidy} subsidy"
        found = Reason("subsidy_not_provided", message, pack.cite())
    else:
        found = Reason(entry.code, entry.message, pack.cite(entry.clause))
    return rejection(pack, facts, found)
