"""A HIS's CSV export layout declared as data, for the feeds that read such exports (ADT: adt_csv, bills:
billing_csv): for each column of the feed's row the CSV column it comes from (or a constant), code columns
translated to the platform's codes, the patient identifier columns, the time and date formats and the zone of a
time without an offset. A chain writes it as `<folder>/<his>/mapping.yaml` beside that export's files; a feed
may ship built-in ones (`mappings/<his>.yaml` beside its reader). Each feed subclasses `CsvMapping` with the
columns it fills and what it requires (adt_csv/mapping.py, billing_csv/mapping.py). A bad mapping rejects the
files of its folder with one line naming the key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ingestion.adt_senders import Zone
from ingestion.adt_values import PatientId
from ingestion.csv_source import Span, read_csv, split_line
from ingestion.parsers import show
from ingestion.records import FileRejected, Record, RowError

MAPPING_FILE = "mapping.yaml"
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


# strptime's own patterns (Lib/_strptime.py) for the numeric fields, so a compiled format reads a text exactly
# as strptime does (one digit or two, a space before a one-digit day); datetime() then checks the values
_NUMERIC_FIELDS = {
    "d": r"(3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9])",
    "m": r"(1[0-2]|0[1-9]|[1-9])",
    "Y": r"(\d\d\d\d)",
    "H": r"(2[0-3]|[0-1]\d|\d)",
    "M": r"([0-5]\d|\d)",
    "S": r"(6[0-1]|[0-5]\d|\d)",
}
_FIELD_ORDER = "YmdHMS"  # datetime()'s arguments


class _NumericTime:
    """Reads a format of numeric directives (each once) and separators, as strptime does, without its
    per-call work (a class, not a closure: a mapping goes to the worker processes, ingestion/worker_pool.py)."""

    def __init__(self, fmt: str) -> None:
        pattern, order = "", []
        for part in re.split(r"(%.)", fmt):
            if part.startswith("%"):
                pattern += _NUMERIC_FIELDS[part[1]]
                order.append(_FIELD_ORDER.index(part[1]))
            else:
                pattern += r"\s+".join(re.escape(piece) for piece in re.split(r"\s+", part))  # as strptime
        self.fmt, self.order = fmt, order
        self.compiled = re.compile(pattern + r"\Z", re.IGNORECASE)

    def __call__(self, text: str, _fmt: str) -> datetime:
        found = self.compiled.match(text)
        if found is None:
            raise ValueError(f"time data {text!r} does not match format {self.fmt!r}")
        fields = [1900, 1, 1, 0, 0, 0]
        for index, value in zip(self.order, found.groups(), strict=True):
            fields[index] = int(value)
        return datetime(*fields)  # raises ValueError for 31/02 or second 60, as strptime does


def _numeric_time_parser(fmt: str) -> Callable[[str, str], datetime] | None:
    """A reader of `fmt` when it has only numeric directives (each once) and separators, else None."""
    directives = re.findall(r"%(.)", fmt)
    if (
        not directives
        or any(d not in _NUMERIC_FIELDS for d in directives)
        or len(set(directives)) < len(directives)
    ):
        return None
    return _NumericTime(fmt)


class Source(BaseModel):
    """Where one column's value comes from: a CSV column (optionally through a code table) or a constant.
    In YAML: `Header Text`, `{column: Header Text, codes: {...}}` or `{const: value}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str = ""
    const: str | None = None
    # The sender's code -> the platform's. For ADT's event_type a code may instead map patient class ->
    # event code ({A: {I: A01, O: A04, E: A04}}: the action flag "A" admits an inpatient, registers the others).
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


class CsvMapping(BaseModel):
    """One HIS export layout; a feed's subclass validates which columns it fills (docs/adt.md, docs/billing.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9_\-]+$")
    his: str = ""  # which HIS and export this describes
    sender: str = ""  # the rows' sender; the folder's name when not given
    zone: Zone | None = (
        None  # the zone of a time without an offset; else the feed's default (ADT: adt/senders.yaml, IST)
    )
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

    def check_columns(self, mappable: tuple[str, ...], what: str, required: tuple[str, ...]) -> None:
        """For a subclass's validator: every column is one of `mappable`, every `required` one is given."""
        unknown = [k for k in self.columns if k not in mappable]
        if unknown:
            raise ValueError(f"columns.{unknown[0]} is not {what} a CSV fills: {', '.join(mappable)}")
        for name in required:
            if name not in self.columns:
                raise ValueError(f"columns.{name} is missing")

    def check_codes(self, uncoded: frozenset[str], what: str, targets: dict[str, tuple[str, ...]]) -> None:
        """For a subclass's validator: no codes on the `uncoded` columns (`what` names them, e.g. "a time or
        amount column"); every code and constant maps to one value, within `targets[column]` when given."""
        for name, source in self.columns.items():
            if source.codes and name in uncoded:
                raise ValueError(f"columns.{name}.codes: {what} takes no codes")
            allowed = targets.get(name)
            values = [*source.codes.values(), *([source.const] if source.const is not None else [])]
            for target in values:
                if isinstance(target, dict):
                    raise ValueError(f"columns.{name}.codes: a code maps to one value")
                if allowed and target not in allowed:
                    raise ValueError(f"columns.{name}: {target!r} is not one of {', '.join(allowed)}")

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

    @cached_property
    def _lookups(self) -> dict[str, tuple[str | None, str, dict[str, str | dict[str, str]]]]:
        """Per column: (its constant, its normalised header, its codes by normalised code), worked out once
        rather than for every row."""
        return {
            name: (s.const, normal(s.column), {normal(k): v for k, v in s.codes.items()})
            for name, s in self.columns.items()
        }

    def value(self, name: str, cells: dict[str, str]) -> str:
        """Column `name`'s text for a row (its code translated; '' when the mapping doesn't fill it)."""
        source = self._lookups.get(name)
        if source is None:
            return ""
        const, header, codes = source
        if const is not None:
            return const
        text = cells[header].strip()
        if not codes or not text:
            return text
        target = codes.get(normal(text))
        if target is None:
            column = self.columns[name].column
            known = ", ".join(self.columns[name].codes)
            raise RowError(f"column {column!r} ({name}) has {show(text)}, not one of its codes: {known}")
        if isinstance(target, dict):
            klass = self.value("patient_class", cells)
            if klass not in target:
                column = self.columns[name].column
                raise RowError(
                    f"column {column!r} ({name}) has {show(text)}, whose event depends on the patient "
                    f"class, and class {klass!r} is not one of {', '.join(target)}"
                )
            return target[klass]
        return target

    @cached_property
    def _time_parsers(self) -> dict[str, Callable[[str, str], datetime]]:
        """A format of only numeric fields (%d %m %Y %H %M %S) read by a compiled pattern, as strptime reads it
        but without its per-call work; any other format by strptime."""
        return {fmt: _numeric_time_parser(fmt) or datetime.strptime for fmt in self.time_formats}

    def time(self, name: str, cells: dict[str, str]) -> datetime | None:
        parsers = self._time_parsers
        return self._parsed(
            name, cells, self.time_formats, datetime.fromisoformat, lambda t, f: parsers[f](t, f)
        )

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
        raise RowError(f"{self.where(name)} has {show(text)}, not {what} as {' or '.join(formats)}")

    def patient_ids(self, cells: dict[str, str]) -> list[PatientId]:
        return [
            PatientId(cells[normal(i.column)].strip(), i.authority, i.type)
            for i in self.identifiers
            if cells[normal(i.column)].strip()
        ]

    def where(self, name: str) -> str:
        """How a reason names column `name`: its CSV header, or the constant."""
        source = self.columns[name]
        return f"column {source.column!r} ({name})" if source.const is None else f"the constant {name}"


Mapping = TypeVar("Mapping", bound=CsvMapping)


def mapping_for(
    path: Path,
    folder: str,
    built_in: dict[str, Mapping],
    load: Callable[[Path, str], Mapping],
    what: str,
    doc: str,
) -> Mapping:
    """The layout a file of `<folder>/<his>/` is in: that folder's mapping.yaml, else the built-in one of that
    name; a file with neither (or directly in `folder`) is rejected with a reason saying where it goes."""
    parent = path.parent
    if parent.parent.as_posix().endswith(folder):
        own = parent / MAPPING_FILE
        if own.is_file():
            return load(own, parent.name.lower())
        if parent.name.lower() in built_in:
            return built_in[parent.name.lower()]
    known = ", ".join(built_in) or "none"
    raise FileRejected(
        f"no {what} mapping for this file: put it in {folder}/<his>/ beside that export's "
        f"{MAPPING_FILE} (built in: {known}; see {doc})"
    )


def header_of(path: Path) -> list[str]:
    """The file's header fields as written (the first non-blank line)."""
    with path.open("rb") as fh:
        for raw in fh:
            text = raw.decode("utf-8", errors="replace").removeprefix("\ufeff").strip("\r\n")
            if text.strip():
                return [f.strip() for f in (split_line(text)[0] or text.split(","))]
    return []


def mapped_records(
    path: Path,
    mapping: Mapping,
    parse: Callable[[dict[str, str], Mapping, str], dict[str, Any]],
    span: Span | None = None,
) -> Iterator[Record]:
    """Each row of a CSV export (of `span` of it) read through `mapping`: `parse(cells, mapping, raw)` gives
    its values (raw is the row as JSON, every column of the header by name) or raises RowError, the row's
    quarantine reason."""
    headers = mapping.headers
    full = header_of(path)
    for row in read_csv(path, headers, span):
        where = {"offset": row.offset, "length": row.length}
        if row.fields is None:
            yield Record(row.line, row.raw, reason=row.problem or "unreadable row", **where)
            continue
        cells = dict(zip(headers, row.fields, strict=True))
        raw = json.dumps(dict(zip(full, split_line(row.raw)[0] or [], strict=False)), ensure_ascii=False)
        try:
            values = parse(cells, mapping, raw)
        except RowError as exc:
            yield Record(row.line, row.raw, reason=str(exc), **where)
        else:
            yield Record(row.line, row.raw, values=values, **where)
