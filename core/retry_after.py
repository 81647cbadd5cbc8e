"""The one reading of an HTTP `Retry-After` header (RFC 9110 10.2.3), for every client that retries."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime

from core.time import as_utc


def retry_after_seconds(header: str | None, now: datetime) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or an HTTP date, from `now`); None when it is
    absent or unreadable."""
    if not header:
        return None
    value = header.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (as_utc(when) - as_utc(now)).total_seconds())
