"""How one stored value is written as CSV text."""

from __future__ import annotations

from datetime import date, datetime

from core.time import as_utc


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
