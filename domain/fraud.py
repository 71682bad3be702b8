"""The hold and flag checks of FRAUD_RULES.md: their thresholds, kinds and severities.

A match opens an investigation; it is not a finding. A **hold** keeps an approved claim
from being paid until an inspector clears it; a **flag** is recorded for review. Every
figure a check compares against is a named parameter here, so a firing can record the
thresholds it used and a city can tune them without touching the checks
(`projections/fraud_checks.py`, `projections/fraud_stats.py`). Pure data: no I/O.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

HOLD, FLAG = "hold", "flag"


@dataclass(frozen=True)
class FraudThresholds:
    """Every threshold of the hold and flag checks, with why it has its default."""

    # ATT-08: "recorded more than 14 days after their business date".
    att08_lag_days: int = 14
    # PAY-01: "one payee account receiving personal subsidies for more than 3 different people".
    pay01_people_max: int = 3
    # INST-02: "registered less than 6 months ago": half a year, in days.
    inst02_new_days: int = 183
    # INST-02: "claims per month exceed the peers' 99th percentile".
    inst02_percentile: int = 99
    # INST-02: a month with fewer claims is no burst whatever the peers (a quiet county).
    inst02_claims_min: int = 10
    # CERT-05: an established body's month must exceed the peers' 99th percentile ...
    cert05_percentile: int = 99
    # ... and this many times its own median month: a steady large body is not a burst.
    cert05_own_median_multiple: int = 3
    # CERT-05 "especially soon after registration": a newcomer is judged for half a year ...
    cert05_new_days: int = 183
    # ... against this percentile of the peers' months (the median: a newcomer above the
    # typical established body in its first months is issuing in bulk).
    cert05_new_percentile: int = 50
    # CERT-05: fewer certificates than this in a month are never a burst.
    cert05_certificates_min: int = 5
    # CERT-06: "a class of 20 or more".
    cert06_class_size_min: int = 20
    # CERT-06 "where peers are below": peers of the scheme pass fewer than this percentage
    # of their trainees (where nearly everyone passes, a perfect class is ordinary).
    cert06_peer_pass_percent_max: int = 98
    # ID-09: classes smaller than this say nothing about where trainees come from.
    id09_class_size_min: int = 8
    # ID-09 "mostly": at least this share of the class from distant provinces.
    id09_share_min: float = 0.5
    # ID-09 "far outside": a province supplying under this share of the jurisdiction's
    # other trainees (the peer baseline) is distant for it; the home province never is.
    id09_rare_province_share: float = 0.02
    # ID-09 "against the peer baseline": a class this distant would arise by chance, drawing
    # trainees as its peers do, less often than this (binomial tail).
    id09_p_value_max: float = 0.001
    # DUP-03: ids sharing a name and birth date, or a phone, that make a match.
    dup03_ids_min: int = 2

    def of(self, rule_id: str) -> dict[str, Any]:
        """The thresholds one rule uses, as recorded with each of its firings."""
        prefix = rule_id.lower().replace("-", "") + "_"
        return {k: v for k, v in asdict(self).items() if k.startswith(prefix)}


DEFAULT_THRESHOLDS = FraudThresholds()

KIND: dict[str, str] = {
    "CERT-03": HOLD,
    "ATT-01": HOLD,
    "PAY-01": HOLD,
    "PUB-01": HOLD,
    "INST-02": FLAG,
    "CERT-05": FLAG,
    "CERT-06": FLAG,
    "INST-03": FLAG,
    "ATT-08": FLAG,
    "DUP-03": FLAG,
    "ID-09": FLAG,
}

# Most serious first. Holds rank above flags because they stop money. Within each kind,
# the order is how directly the pattern implies fabrication, then how much money one
# firing puts at stake:
# - CERT-03: a certificate dated before its training began cannot be that training's
#   result; it is a document that contradicts itself.
# - ATT-01: one body in two classrooms at once; only a typing error of times excuses it.
# - PAY-01: several people's subsidies to one account: an agent collecting them, though
#   a family can share an account.
# - PUB-01: a member of the public objected; the ledger already refuses payment, the hold
#   makes the objection visible next to the other checks.
# - INST-02: a new entity bursting with claims, the SkillsFuture pattern: a whole
#   institution's money.
# - CERT-05: a certificate mill: every claim on its certificates.
# - CERT-06: a class that is too perfect: one class's money.
# - INST-03: shared accounts or addresses: a front, but also a group of companies.
# - ATT-08: back-filled rosters: invented records, or merely a late clerk.
# - DUP-03: one person twice: the same person's money, or two people alike.
# - ID-09: out-of-province trainees: rented identities, or a genuine migrant workforce.
SEVERITY: dict[str, int] = {
    "CERT-03": 100,
    "ATT-01": 95,
    "PAY-01": 90,
    "PUB-01": 80,
    "INST-02": 60,
    "CERT-05": 55,
    "CERT-06": 50,
    "INST-03": 45,
    "ATT-08": 40,
    "DUP-03": 35,
    "ID-09": 30,
}

# GB/T 2260 province codes (the first two digits of a resident id) of each jurisdiction.
JURISDICTION_PROVINCE: dict[str, str] = {
    "kunshan": "32",
    "rugao": "32",
    "yuncheng": "14",
    "jinhua": "33",
    "linkou": "23",
}
