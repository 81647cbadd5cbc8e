"""Building one ADT event row (ingestion/adt_event.py's columns) from whatever a wire format gives, for the
Python readers of the ADT feeds (CSV, FHIR): every column present with its empty value, patient ids as the
one JSON shape, times in UTC (a time without an offset read in the sender's zone, IST by default) and
within what the warehouse holds, so a value the warehouse can't take is a quarantined record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from ingestion.adt_event import ADT_EVENT_COLUMNS
from ingestion.records import RowError

IST = ZoneInfo("Asia/Kolkata")
# The ADT event codes a CSV mapping or a FHIR Encounter may be turned into (ingestion/adt_event.py).
EVENT_TYPES: frozenset[str] = frozenset(
    {f"A{n:02d}" for n in range(1, 14)} | {"A17", "A28", "A31", "A40", "A60"}
)
_NULLABLE = {c.name for c in ADT_EVENT_COLUMNS if c.type.startswith("Nullable")}
# What the ADT tables' DateTime64 and Date32 columns hold (a birth date before 1970 included).
FIRST_TIME, LAST_TIME = datetime(1900, 1, 1, tzinfo=UTC), datetime(2299, 12, 31, tzinfo=UTC)
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2299, 12, 31)


@dataclass(frozen=True, slots=True)
class PatientId:
    id: str
    authority: str = ""
    type: str = ""  # MR, ABHA, or the sender's identifier type code


def patient_ids_json(ids: list[PatientId]) -> str:
    return json.dumps(
        [{"id": i.id, "authority": i.authority, "type": i.type} for i in ids], ensure_ascii=False
    )


def first_of_type(ids: list[PatientId], kind: str) -> str:
    return next((i.id for i in ids if i.type.upper() == kind), "")


def event_row(**values: Any) -> dict[str, Any]:
    """An ADT event row: the given columns, every other one empty ('' or NULL). Unknown names are an error
    in the reader, never a silently dropped value."""
    unknown = set(values) - {c.name for c in ADT_EVENT_COLUMNS}
    if unknown:
        raise ValueError(f"not ADT event columns: {', '.join(sorted(unknown))}")
    ids: list[PatientId] = values.pop("patient_ids", [])
    row = {c.name: (None if c.name in _NULLABLE else "") for c in ADT_EVENT_COLUMNS}
    row.update(values)
    row["patient_ids"] = patient_ids_json(ids)
    row["mrn"] = values.get("mrn") or first_of_type(ids, "MR")
    row["abha_number"] = values.get("abha_number") or first_of_type(ids, "ABHA")
    return row


def utc(column: str, moment: datetime, zone: tzinfo = IST) -> datetime:
    """`moment` in UTC (read in `zone` when it has no offset), within what the warehouse holds."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    value = aware.astimezone(UTC)
    if not FIRST_TIME <= value <= LAST_TIME:
        raise RowError(f"{column} {moment.isoformat()} is outside 1900..2299, what the warehouse holds")
    return value


def day(column: str, value: date) -> date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise RowError(
            f"{column} {value.isoformat()} is outside 1900-01-01..2299-12-31, what the warehouse holds"
        )
    return value
