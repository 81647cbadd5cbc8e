"""How one stored value is written: as CSV text, and as the value of a spreadsheet cell."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

IST = ZoneInfo("Asia/Kolkata")


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already (the reader asks for UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso_utc(value: datetime) -> str:
    """ISO 8601 in UTC with `Z`: `2026-10-03T04:30:00Z` (fractions only when there are any)."""
    instant = as_utc(value)
    if instant.microsecond == 0:
        timespec = "seconds"
    elif instant.microsecond % 1000 == 0:
        timespec = "milliseconds"
    else:
        timespec = "microseconds"
    return instant.replace(tzinfo=None).isoformat(timespec=timespec) + "Z"


def csv_text(value: object) -> str:
    """NULL is empty; integers (paise) exactly as stored; instants ISO 8601 UTC; dates `YYYY-MM-DD`."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def paise_to_rupees(paise: int) -> Decimal:
    """Exact: 45010 -> Decimal('450.10'). No binary float is involved."""
    return Decimal(paise).scaleb(-2)


def ist_wall_clock(value: datetime) -> datetime:
    """The instant as a naive IST datetime (Excel has no time zones; the column header says IST)."""
    return as_utc(value).astimezone(IST).replace(tzinfo=None)


def spreadsheet_text(value: str) -> str | None:
    """Empty text is an empty cell; characters XML cannot hold become U+FFFD."""
    if not value:
        return None
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
