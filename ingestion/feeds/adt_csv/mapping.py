"""A HIS's ADT CSV export layout, declared as data (docs/adt.md): for each ADT event column the CSV column
it comes from (or a constant), the code columns translated to the platform's ADT codes (the action flag that
decides the event type, the patient class), the identifier columns (MRN, ABHA), the time and date formats and
the zone of a time without an offset. A chain writes it as `adt/csv/<his>/mapping.yaml` beside that export's
files; `mappings/<his>.yaml` beside this module are built in. The layout machinery is shared with the bill
CSV feed (ingestion/csv_mapping.py); this module says which ADT columns a mapping fills and what it requires.
Validated here: a bad mapping rejects the files of its folder with one line naming the key.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import model_validator

from ingestion.adt_event import ADT_EVENT_COLUMNS
from ingestion.adt_values import EVENT_TYPES
from ingestion.csv_mapping import MAPPING_FILE, CsvMapping, Identifier, Source, normal
from ingestion.yaml_config import load_yaml_model

BUILT_IN_DIR = Path(__file__).parent / "mappings"
# Columns a mapping may fill from the CSV; tenant_id and sender come from the load, patient_ids, mrn and
# abha_number from `identifiers`, raw is the row itself, hl7_version is '' for CSV.
MAPPABLE: tuple[str, ...] = tuple(
    c.name
    for c in ADT_EVENT_COLUMNS
    if c.name not in {"tenant_id", "sender", "patient_ids", "mrn", "abha_number", "hl7_version", "raw"}
)
TIME_COLUMNS = frozenset({"message_time", "event_time", "admit_time", "discharge_time"})
DATE_COLUMNS = frozenset({"birth_date"})
# HL7 table 0004 (patient class): what a patient class code may be translated to.
PATIENT_CLASSES = frozenset({"E", "I", "O", "P", "R", "B", "C", "N", "U"})


class AdtCsvMapping(CsvMapping):
    """One HIS ADT export layout. See docs/adt.md for every key."""

    @model_validator(mode="after")
    def _complete(self) -> AdtCsvMapping:
        cols = self.columns
        self.check_columns(MAPPABLE, "an ADT event column", ("message_id", "event_type", "visit_number"))
        if "message_time" not in cols and "event_time" not in cols:
            raise ValueError(
                "columns need message_time or event_time (message_time is event_time when absent)"
            )
        for name, source in cols.items():
            if source.codes and name in TIME_COLUMNS | DATE_COLUMNS:
                raise ValueError(f"columns.{name}.codes: a time or date column takes no codes")
            for code, target in source.codes.items():
                self._check_code(name, code, target)
        if "event_type" in cols and cols["event_type"].const is not None:
            self._check_code("event_type", "const", cols["event_type"].const)
        return self

    @staticmethod
    def _check_code(name: str, code: str, target: str | dict[str, str]) -> None:
        where = f"columns.{name}.codes.{code}"
        if isinstance(target, dict):
            if name != "event_type":
                raise ValueError(f"{where}: only event_type codes may depend on the patient class")
            bad = [c for c in target if c not in PATIENT_CLASSES]
            if bad:
                raise ValueError(
                    f"{where}: {bad[0]!r} is not a patient class ({', '.join(sorted(PATIENT_CLASSES))})"
                )
            for value in target.values():
                AdtCsvMapping._check_code(name, code, value)
        elif name == "event_type" and target not in EVENT_TYPES:
            raise ValueError(
                f"{where}: {target!r} is not an ADT event code ({', '.join(sorted(EVENT_TYPES))})"
            )
        elif name == "patient_class" and target not in PATIENT_CLASSES:
            raise ValueError(
                f"{where}: {target!r} is not a patient class ({', '.join(sorted(PATIENT_CLASSES))})"
            )


def load_mapping(path: Path, name: str) -> AdtCsvMapping:
    """A mapping from YAML; raises FileRejected with one line naming the file and the first bad key."""
    return load_yaml_model(path, AdtCsvMapping, f"ADT CSV mapping {path.name} of {name!r}", {"name": name})


def built_in_mappings() -> dict[str, AdtCsvMapping]:
    return {p.stem: load_mapping(p, p.stem) for p in sorted(BUILT_IN_DIR.glob("*.yaml"))}


__all__ = [
    "DATE_COLUMNS",
    "MAPPABLE",
    "MAPPING_FILE",
    "TIME_COLUMNS",
    "AdtCsvMapping",
    "Identifier",
    "Source",
    "built_in_mappings",
    "load_mapping",
    "normal",
]
