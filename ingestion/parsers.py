"""Field parsers shared by the feeds. Each raises RowError with a message naming the column and value."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from ingestion.records import RowError
from ingestion.sql_checks import MAX_PAISE

_INT = re.compile(r"[+-]?\d+")
# Rupees with at most two decimals: plain (1234.50), Western grouping (1,234.50, 12,345,678.00) or Indian
# grouping (12,34,567.00). Anything else ("12,34") is not an amount.
_RUPEES = re.compile(r"-?(\d+|\d{1,3}(,\d{3})+|\d{1,2}(,\d{2})*,\d{3})(\.\d{1,2})?")
FIRST_DATE, LAST_DATE = date(1970, 1, 1), date(2105, 12, 31)  # what the warehouse's Date holds


def show(value: str, limit: int = 40) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "…")


def text(column: str, value: str, *, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise RowError(f"column {column!r} is empty but required")
    return value


def paise(column: str, value: str, *, required: bool = True, non_negative: bool = True) -> int:
    """An amount in paise: a whole number."""
    value = value.strip()
    if not value:
        if required:
            raise RowError(f"column {column!r} is empty; expected an amount in paise")
        return 0
    if not _INT.fullmatch(value):
        raise RowError(f"column {column!r} has {show(value)}, not a whole number of paise")
    number = int(value)
    if abs(number) > MAX_PAISE:
        raise RowError(f"column {column!r} has {show(value)}, outside ±10^15 paise")
    if non_negative and number < 0:
        raise RowError(f"column {column!r} is negative ({number}); expected paise >= 0")
    return number


def flag(column: str, value: str) -> int:
    value = value.strip().lower()
    if value in ("1", "true", "yes"):
        return 1
    if value in ("", "0", "false", "no"):
        return 0
    raise RowError(f"column {column!r} has {show(value)}; expected 0 or 1")


def epoch(column: str, value: str, *, required: bool = True) -> datetime | None:
    value = value.strip()
    if not value:
        if required:
            raise RowError(f"column {column!r} is empty; expected a time in epoch seconds")
        return None
    if not _INT.fullmatch(value):
        raise RowError(f"column {column!r} has {show(value)}, not a time in epoch seconds")
    seconds = int(value)
    if not 946684800 <= seconds <= 4102444800:  # 2000-01-01 .. 2100-01-01
        raise RowError(f"column {column!r} has {seconds}, outside 2000..2100 as epoch seconds")
    return datetime.fromtimestamp(seconds, tz=UTC)


def ddmmyyyy(column: str, value: str) -> date:
    value = value.strip()
    try:
        day = datetime.strptime(value, "%d/%m/%Y").date()
    except ValueError:
        raise RowError(f"column {column!r} has {show(value)}, not a date as DD/MM/YYYY") from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise RowError(f"column {column!r} has {show(value)}, outside 01/01/1970..31/12/2105")
    return day


def iso_date(column: str, value: str) -> date:
    value = value.strip()
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise RowError(f"column {column!r} has {show(value)}, not a date as YYYY-MM-DD")
    if not FIRST_DATE <= day <= LAST_DATE:
        raise RowError(f"column {column!r} has {show(value)}, outside 1970-01-01..2105-12-31")
    return day


def rupees_to_paise(column: str, value: str) -> int:
    """'1,234.50' rupees -> 123450 paise, exactly (no binary floats)."""
    value = value.strip()
    if not value:
        return 0
    if not _RUPEES.fullmatch(value):
        raise RowError(
            f"column {column!r} has {show(value)}, not an amount in rupees like 1,234.50 or 1,23,456.78"
        )
    try:
        amount = Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise RowError(f"column {column!r} has {show(value)}, not an amount in rupees") from None
    paise = int(amount * 100)
    if abs(paise) > MAX_PAISE:
        raise RowError(f"column {column!r} has {show(value)}, outside ±10^15 paise")
    return paise


def whole_number(column: str, value: str) -> int:
    value = value.strip()
    if not _INT.fullmatch(value):
        raise RowError(f"column {column!r} has {show(value)}, not a whole number")
    if abs(int(value)) > MAX_PAISE:
        raise RowError(f"column {column!r} has {show(value)}, too large")
    return int(value)
