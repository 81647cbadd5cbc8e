"""IST calendar arithmetic on integer epoch values (no time zones, no wall clock)."""

from __future__ import annotations

from datetime import date

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
IST_OFFSET_S = 5 * 3600 + 30 * 60
DAY_S = 86_400
DAY_MS = DAY_S * 1000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000

_DAY_PREFIX: dict[int, str] = {}


def ist_midnight_s(day: int) -> int:
    """Epoch seconds of 00:00 IST on the date with proleptic ordinal `day`."""
    return (day - EPOCH_ORDINAL) * DAY_S - IST_OFFSET_S


def ist_midnight_ms(day: int) -> int:
    return ist_midnight_s(day) * 1000


def ist_day_of_s(epoch_s: int) -> int:
    """Ordinal of the IST calendar date of an epoch-seconds instant."""
    return (epoch_s + IST_OFFSET_S) // DAY_S + EPOCH_ORDINAL


def ist_day_of_ms(epoch_ms: int) -> int:
    return ist_day_of_s(epoch_ms // 1000)


def iso_day(day: int) -> str:
    """`YYYY-MM-DD` of an ordinal."""
    return date.fromordinal(day).isoformat()


def rfc3339_ms(epoch_ms: int) -> str:
    """RFC 3339 UTC timestamp with milliseconds and a `Z` suffix."""
    utc_day, rem = divmod(epoch_ms, DAY_MS)
    prefix = _DAY_PREFIX.get(utc_day)
    if prefix is None:
        prefix = date.fromordinal(utc_day + EPOCH_ORDINAL).isoformat()
        _DAY_PREFIX[utc_day] = prefix
    secs, millis = divmod(rem, 1000)
    hours, secs = divmod(secs, 3600)
    minutes, secs = divmod(secs, 60)
    return f"{prefix}T{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}Z"


def ist_text(epoch_s: int) -> str:
    """`YYYY-MM-DD HH:MM:SS` on the IST wall clock (as the Razorpay Dashboard shows times)."""
    local = epoch_s + IST_OFFSET_S
    day, seconds = divmod(local, DAY_S)
    hours, rest = divmod(seconds, 3600)
    return f"{iso_day(day + EPOCH_ORDINAL)} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
