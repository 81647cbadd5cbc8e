"""A HIS's ADT CSV export layout, declared as data (docs/adt.md): for each ADT event column the CSV column
it comes from (or a constant), the code columns translated to the platform's ADT codes (the action flag that
decides the event type, the patient class), the identifier columns (MRN, ABHA), the time and date formats and
the zone of a time without an offset. A chain writes it as `adt/csv/<his>/mapping.yaml` beside that export's
files; `mappings/<his>.yaml` beside this module are built in. Validated here: a bad mapping rejects the files
of its folder with one line naming the key.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ingestion.adt_event import ADT_EVENT_COLUMNS
from ingestion.adt_senders import Zone
from ingestion.adt_values import EVENT_TYPES, PatientId
from ingestion.parsers import show
from ingestion.records import RowError
from ingestion.yaml_config import load_yaml_model

MAPPING_FILE = "mapping.yaml"
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
_DIRECTIVES = re.compile(r"%[dmyYHIMSpbBfz]")
_FORMAT = re.compile(r"^(?:%[dmyYHIMSpbBfz]|[ /.:,T\-])+$")
ISO = "iso8601"  # a format name: ISO 8601 (2026-10-02T14:00:00+05:30; without an offset: in `zone`)


def normal(text: str) -> str:
    """A header or a code as compared: trimmed, case ignored."""
    return text.strip().lower()


def _code_text(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("a code YAML reads as true/false (yes, no, on, off): quote it")
    return str(value) if isinstance(value, int | float) else value


class Source(BaseModel):
    """Where one ADT column's value comes from: a CSV column (optionally through a code table) or a constant.
    In YAML: `Header Text`, `{column: Header Text, codes: {...}}` or `{const: value}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str = ""
    const: str | None = None
    # The sender's code -> the platform's. For event_type a code may instead map patient class -> event
    # code ({A: {I: A01, O: A04, E: A04}}: the action flag "A" admits an inpatient, registers the others).
    codes: dict[str, str | dict[str, str]] = {}

    @field_validator("const", mode="before")
    @classmethod
    def _const_text(cls, value: object) -> object:
        return _code_text(value)

    @field_validator("codes", mode="before")
    @classmethod
    def _codes_text(cls, value: object) -> object:
        """YAML reads a code 1 as a number: it is the text '1' (a HIS's numeric codes)."""
        if not isinstance(value, dict):
            return value
        return {
            _code_text(k): {_code_text(a): _code_text(b) for a, b in v.items()}
            if isinstance(v, dict)
            else _code_text(v)
            for k, v in value.items()
        }

    @model_validator(mode="after")
    def _one_source(self) -> Source:
        if bool(self.column.strip()) == (self.const is not None):
            raise ValueError("give either column (a CSV header) or const (a value)")
        if self.const is not None and self.codes:
            raise ValueError("codes translate a column's values; a const needs none")
        return self


class Identifier(BaseModel):
    """A CSV column holding a patient identifier (empty cells are skipped)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str = Field(min_length=1)
    type: str = Field(min_length=1)  # MR (the MRN), ABHA, or another HL7 identifier type code
    authority: str = ""  # the assigning authority (the HIS, https://healthid.ndhm.gov.in, ...)


class AdtCsvMapping(BaseModel):
    """One HIS export layout. See docs/adt.md for every key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9_\-]+$")
    his: str = ""  # which HIS and export this describes
    sender: str = ""  # the events' sender; the folder's name when not given
    zone: Zone | None = None  # the zone of a time without an offset; else adt/senders.yaml's (IST)
    time_formats: list[str] = Field(default=[ISO], min_length=1)
    date_formats: list[str] = Field(default=["%Y-%m-%d"], min_length=1)
    columns: dict[str, Source]
    identifiers: list[Identifier] = []

    @field_validator("columns", mode="before")
    @classmethod
    def _sources(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: {"column": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("time_formats", "date_formats")
    @classmethod
    def _formats(cls, value: list[str]) -> list[str]:
        for fmt in value:
            if fmt != ISO and not (_FORMAT.match(fmt) and _DIRECTIVES.search(fmt)):
                raise ValueError(
                    f"{fmt!r} is not a strptime format of %d %m %y %Y %H %I %M %S %p %b %B %f %z and "
                    f"separators, nor {ISO}"
                )
        return value

    @model_validator(mode="after")
    def _complete(self) -> AdtCsvMapping:
        cols = self.columns
        unknown = [k for k in cols if k not in MAPPABLE]
        if unknown:
            raise ValueError(
                f"columns.{unknown[0]} is not an ADT event column a CSV fills: {', '.join(MAPPABLE)}"
            )
        for required in ("message_id", "event_type", "visit_number"):
            if required not in cols:
                raise ValueError(f"columns.{required} is missing")
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

    # --- what the reader asks --------------------------------------------------------------------------

    @cached_property
    def headers(self) -> list[str]:
        """The CSV headers this mapping reads, normalised, in a stable order."""
        names = [s.column for s in self.columns.values() if s.const is None] + [
            i.column for i in self.identifiers
        ]
        return list(dict.fromkeys(normal(n) for n in names))

    @cached_property
    def tz(self) -> ZoneInfo | None:
        return ZoneInfo(self.zone) if self.zone else None

    def value(self, name: str, cells: dict[str, str]) -> str:
        """Column `name`'s text for a row (its code translated; '' when the mapping doesn't fill it)."""
        source = self.columns.get(name)
        if source is None:
            return ""
        if source.const is not None:
            return source.const
        text = cells[normal(source.column)].strip()
        if not source.codes or not text:
            return text
        target = {normal(k): v for k, v in source.codes.items()}.get(normal(text))
        if target is None:
            known = ", ".join(source.codes)
            raise RowError(
                f"column {source.column!r} ({name}) has {show(text)}, not one of its codes: {known}"
            )
        if isinstance(target, dict):
            klass = self.value("patient_class", cells)
            if klass not in target:
                raise RowError(
                    f"column {source.column!r} ({name}) has {show(text)}, whose event depends on the patient "
                    f"class, and class {klass!r} is not one of {', '.join(target)}"
                )
            return target[klass]
        return target

    def time(self, name: str, cells: dict[str, str]) -> datetime | None:
        return self._parsed(name, cells, self.time_formats, datetime.fromisoformat, datetime.strptime)

    def date(self, name: str, cells: dict[str, str]) -> date | None:
        return self._parsed(
            name, cells, self.date_formats, date.fromisoformat, lambda t, f: datetime.strptime(t, f).date()
        )

    def _parsed(self, name: str, cells: dict[str, str], formats: list[str], iso: Any, strp: Any) -> Any:
        """Column `name`'s text in the first of `formats` that reads it (None when empty)."""
        text = self.value(name, cells)
        if not text:
            return None
        for fmt in formats:
            try:
                return iso(text) if fmt == ISO else strp(text, fmt)
            except ValueError:
                continue
        what = "a time" if formats is self.time_formats else "a date"
        raise RowError(f"{self._where(name)} has {show(text)}, not {what} as {' or '.join(formats)}")

    def patient_ids(self, cells: dict[str, str]) -> list[PatientId]:
        return [
            PatientId(cells[normal(i.column)].strip(), i.authority, i.type)
            for i in self.identifiers
            if cells[normal(i.column)].strip()
        ]

    def _where(self, name: str) -> str:
        source = self.columns[name]
        return f"column {source.column!r} ({name})" if source.const is None else f"the constant {name}"


def load_mapping(path: Path, name: str) -> AdtCsvMapping:
    """A mapping from YAML; raises FileRejected with one line naming the file and the first bad key."""
    return load_yaml_model(path, AdtCsvMapping, f"ADT CSV mapping {path.name} of {name!r}", {"name": name})


def built_in_mappings() -> dict[str, AdtCsvMapping]:
    return {p.stem: load_mapping(p, p.stem) for p in sorted(BUILT_IN_DIR.glob("*.yaml"))}
