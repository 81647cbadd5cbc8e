"""India Standard Time, the platform's one business time zone, and the UTC -> IST conversions.

Instants are stored in UTC; calendar dates, schedules and what people read are IST (`Asia/Kolkata`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

IST_NAME = "Asia/Kolkata"
IST = ZoneInfo(IST_NAME)
# IST has kept one offset, no daylight saving, since 1945: text for people can state it as a constant.
IST_OFFSET = "+05:30"


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already (readers ask for UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_ist(value: datetime) -> datetime:
    """The instant as an aware IST datetime (a naive `value` is UTC)."""
    return as_utc(value).astimezone(IST)


def ist_wall_clock(value: datetime) -> datetime:
    """The instant as a naive IST datetime, for formats without time zones (a spreadsheet cell)."""
    return to_ist(value).replace(tzinfo=None)
