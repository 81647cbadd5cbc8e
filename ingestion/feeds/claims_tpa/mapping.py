"""A TPA's claim export format, declared as data (docs/claims.md): for each claim event column the CSV column
or JSON field it comes from (or a constant), the TPA's status codes translated to the platform's claim events,
whether amounts are rupees or paise, and the time formats. The machinery is ingestion/csv_mapping.py's (the
ADT and bill CSV feeds' too); a JSON field is named like a CSV header, a nested one by its dotted path
(`settlement.utr`). A chain writes it as `claims/tpa/<tpa>/mapping.yaml`; `mappings/<tpa>.yaml` beside this
module are built in. A bad mapping rejects the files of its folder with one line naming the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import model_validator

from ingestion.claim_event import AMOUNT_COLUMNS, CLAIM_EVENT_COLUMNS, CLAIM_KINDS, EVENT_TYPES
from ingestion.csv_mapping import CsvMapping
from ingestion.yaml_config import load_yaml_model

BUILT_IN_DIR = Path(__file__).parent / "mappings"
# Columns a mapping may fill; tenant_id, source and sender come from the load, api_call_id and documents are
# NHCX's (a TPA claim's documents come through the document manifest, claims/documents/), raw is the record.
MAPPABLE: tuple[str, ...] = tuple(
    c.name
    for c in CLAIM_EVENT_COLUMNS
    if c.name not in {"tenant_id", "source", "sender", "api_call_id", "documents", "raw"}
)
REQUIRED = ("message_id", "claim_id", "event_type", "event_time")
TIME_COLUMNS = frozenset({"message_time", "event_time"})
CODE_TARGETS: dict[str, tuple[str, ...]] = {"event_type": EVENT_TYPES, "claim_kind": CLAIM_KINDS}


class ClaimTpaMapping(CsvMapping):
    """One TPA export format. See docs/claims.md for every key."""

    amounts: Literal["rupees", "paise"] = "rupees"  # how the amount columns and deduction lines are written

    @model_validator(mode="after")
    def _complete(self) -> ClaimTpaMapping:
        self.check_columns(MAPPABLE, "a claim event column", REQUIRED)
        uncoded = TIME_COLUMNS | set(AMOUNT_COLUMNS) | {"deductions"}
        self.check_codes(frozenset(uncoded), "a time, amount or deductions column", CODE_TARGETS)
        return self


def load_mapping(path: Path, name: str) -> ClaimTpaMapping:
    """A mapping from YAML; raises FileRejected with one line naming the file and the first bad key."""
    return load_yaml_model(
        path, ClaimTpaMapping, f"TPA claims mapping {path.name} of {name!r}", {"name": name}
    )


def built_in_mappings() -> dict[str, ClaimTpaMapping]:
    return {p.stem: load_mapping(p, p.stem) for p in sorted(BUILT_IN_DIR.glob("*.yaml"))}
