"""A HIS's bill CSV export layout, declared as data (docs/billing.md): for each charge line column the CSV
column it comes from (or a constant), the code columns translated to the platform's codes (a Dr/Cr flag to
the transaction type, the HIS's bill status to interim/final), the identifier columns (MRN, ABHA), whether
amounts are rupees or paise, and the time formats. The machinery is ingestion/csv_mapping.py's (the ADT CSV
feed's too); this module says which charge line columns a mapping fills and what it requires. A chain writes
it as `billing/csv/<his>/mapping.yaml`; `mappings/<his>.yaml` beside this module are built in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import model_validator

from ingestion.charge_line import BILL_KINDS, CHARGE_LINE_COLUMNS, TRANSACTION_TYPES
from ingestion.csv_mapping import CsvMapping
from ingestion.yaml_config import load_yaml_model

BUILT_IN_DIR = Path(__file__).parent / "mappings"
# Columns a mapping may fill; tenant_id and sender come from the load, patient_ids, mrn and abha_number from
# `identifiers`, raw is the row itself, hl7_version is '' for CSV.
MAPPABLE: tuple[str, ...] = tuple(
    c.name
    for c in CHARGE_LINE_COLUMNS
    if c.name not in {"tenant_id", "sender", "patient_ids", "mrn", "abha_number", "hl7_version", "raw"}
)
REQUIRED = ("message_id", "line_number", "visit_number", "bill_number", "transaction_time", "service_code")
TIME_COLUMNS = frozenset({"message_time", "transaction_time"})
AMOUNT_COLUMNS = frozenset({"amount_paise", "unit_amount_paise"})
CODE_TARGETS = {"transaction_type": TRANSACTION_TYPES, "bill_kind": BILL_KINDS}


class BillCsvMapping(CsvMapping):
    """One HIS bill export layout. See docs/billing.md for every key."""

    amounts: Literal["rupees", "paise"] = "rupees"  # how the amount columns are written

    @model_validator(mode="after")
    def _complete(self) -> BillCsvMapping:
        cols = self.columns
        self.check_columns(MAPPABLE, "a charge line column", REQUIRED)
        if "amount_paise" not in cols and "unit_amount_paise" not in cols:
            raise ValueError("columns need amount_paise or unit_amount_paise (the line's amount)")
        uncoded = TIME_COLUMNS | AMOUNT_COLUMNS | {"quantity"}
        self.check_codes(uncoded, "a time, amount or quantity column", CODE_TARGETS)
        return self


def load_mapping(path: Path, name: str) -> BillCsvMapping:
    """A mapping from YAML; raises FileRejected with one line naming the file and the first bad key."""
    return load_yaml_model(path, BillCsvMapping, f"bill CSV mapping {path.name} of {name!r}", {"name": name})


def built_in_mappings() -> dict[str, BillCsvMapping]:
    return {p.stem: load_mapping(p, p.stem) for p in sorted(BUILT_IN_DIR.glob("*.yaml"))}
