"""Which columns hold personal, health or money data: a small explicit rule table on column names.

Rules match a column's name (fnmatch globs, lower case); a column gets every category whose rule matches,
in the table's order. A name matching no rule is not flagged. The table is deliberately short: add a rule
here when a model gains a new kind of sensitive column, and the dictionary shows it everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

IDENTITY = "identity (PII)"
PATIENT_LINK = "linkable to a patient"
HEALTH = "health context (PHI with a patient)"
CARD = "payment instrument"
MONEY = "money"
FREE_TEXT = "free text, may contain personal data"


@dataclass(frozen=True)
class SensitivityRule:
    category: str
    globs: str  # column-name globs, space-separated
    why: str

    @property
    def patterns(self) -> tuple[str, ...]:
        return tuple(self.globs.split())

    def matches(self, column: str) -> bool:
        name = column.lower()
        return any(fnmatchcase(name, pattern) for pattern in self.patterns)


SENSITIVITY_RULES: tuple[SensitivityRule, ...] = (
    SensitivityRule(
        IDENTITY,
        "patient_id patient_* phone *_phone email *_email doctor_name customer_name payer_name contact_name "
        "account_holder_name mrn *_mrn abha_number *_abha_number birth_date sex unmapped_code "
        "provider_message_id recipient_masked",
        "identifies a person: a patient id, medical record number (MRN) or ABHA number, a person's name, "
        "birth date, sex, phone number or e-mail address (an unmapped code may be an MRN; a WhatsApp message "
        "id embeds the recipient's number, a masked recipient keeps part of it)",
    ),
    SensitivityRule(
        PATIENT_LINK,
        "booking_id *_booking_id visit_number episode_id claim_id policy_number",
        "pseudonymous id the booking system, the hospital's HIS or an insurer maps to a patient (a booking, "
        "a visit, an insurance claim or policy)",
    ),
    SensitivityRule(
        HEALTH,
        "specialty visit_type diagnosis* symptom* prescription* patient_class episode_type department "
        "department_name discharge_disposition service_text",
        "what care was sought or given (a bill line's service as the HIS wrote it); personal health "
        "information when the row also names a patient",
    ),
    SensitivityRule(
        CARD,
        "card_*",
        "card metadata (network, issuer, credit/debit); no card number is stored",
    ),
    SensitivityRule(
        MONEY,
        "*_paise amount *_amount fee tax debit credit balance",
        "an amount of money (integer paise)",
    ),
    SensitivityRule(
        FREE_TEXT,
        "notes *_notes notes_json narration description data data_json reason refund_reason raw_line raw "
        "remarks documents",
        "text or JSON written by people or upstream systems; may name a person or a condition",
    ),
)

# What a feed spec's per-column flag (ingestion/spec.py) means in the dictionary's categories.
SPEC_SENSITIVITY: dict[str, tuple[str, ...]] = {
    "phi": (HEALTH, PATIENT_LINK),
    "pii": (IDENTITY,),
    "financial": (MONEY,),
    "none": (),
}

CATEGORIES: tuple[str, ...] = tuple(rule.category for rule in SENSITIVITY_RULES)


def classify(column: str) -> tuple[str, ...]:
    """The sensitivity categories of a column, in rule-table order (empty when none applies)."""
    return tuple(rule.category for rule in SENSITIVITY_RULES if rule.matches(column))


def in_rule_order(categories: set[str] | frozenset[str]) -> tuple[str, ...]:
    return tuple(c for c in CATEGORIES if c in categories)
