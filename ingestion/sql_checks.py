"""Building blocks for feeds validated in the warehouse: SQL literals, casts and reasons.

A feed's validation query selects from its text table (`{text}`: `_source_line`, `_raw_line`, `_problem`
and one String column per input field) the raw table's typed columns and a `_reason`: '' for a good row,
else a sentence naming the column and the value, as the Python parsers of small feeds would.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

INT_RE = r"^[+-]?\d+$"
MAX_PAISE = 10**15  # ±₹10 lakh crore: beyond any real amount, well inside Int64
EPOCH_MIN, EPOCH_MAX = 946684800, 4102444800  # 2000-01-01 .. 2100-01-01
# RFC 3339 date-time, strictly: months 01-12, days 01-31, hours 00-23, minutes 00-59, seconds 00-60.
RFC3339_RE = (
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?"
    r"([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)


def lit(text: str) -> str:
    """A ClickHouse string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def shown(expr: str, limit: int = 40) -> str:
    """SQL for a value as a person reads it in a reason: quoted, cut at `limit` characters."""
    return f"concat('''', if(lengthUTF8({expr}) > {limit}, concat(substringUTF8({expr}, 1, {limit}), '…'), {expr}), '''')"


def one_of(values: Iterable[str]) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")"


def reason(checks: Sequence[tuple[str, str]]) -> str:
    """`multiIf` over (condition that makes the row bad, SQL reason); the reader's own problem comes first."""
    branches = ["_problem != '', _problem", *(f"{bad}, {why}" for bad, why in checks)]
    return "multiIf(\n      " + ",\n      ".join(branches) + ",\n      '')"


def paise_checks(column: str, expr: str, *, required: bool = True) -> list[tuple[str, str]]:
    """An amount in paise: a whole number, not negative; empty is 0 unless required."""
    checks = []
    if required:
        checks.append((f"{expr} = ''", lit(f"column '{column}' is empty; expected an amount in paise")))
    checks += [
        (
            f"{expr} != '' and not match({expr}, {lit(INT_RE)})",
            f"concat({lit(f'column {column!r} has ')}, {shown(expr)}, ', not a whole number of paise')",
        ),
        (
            f"match({expr}, {lit(INT_RE)}) and ifNull(abs(toInt128OrNull({expr})) > {MAX_PAISE}, 1)",
            f"concat({lit(f'column {column!r} has ')}, {shown(expr)}, ', outside ±10^15 paise')",
        ),
        (
            f"toInt64OrZero({expr}) < 0",
            f"concat({lit(f'column {column!r} is negative (')}, {expr}, '); expected paise >= 0')",
        ),
    ]
    return checks


def paise_value(expr: str) -> str:
    return f"toInt64OrZero({expr})"


def epoch_checks(column: str, expr: str, *, required_when: str = "1") -> list[tuple[str, str]]:
    return [
        (
            f"{expr} = '' and ({required_when})",
            lit(f"column '{column}' is empty; expected a time in epoch seconds"),
        ),
        (
            f"{expr} != '' and not match({expr}, {lit(INT_RE)})",
            f"concat({lit(f'column {column!r} has ')}, {shown(expr)}, ', not a time in epoch seconds')",
        ),
        (
            f"{expr} != '' and toInt64OrZero({expr}) not between {EPOCH_MIN} and {EPOCH_MAX}",
            f"concat({lit(f'column {column!r} has ')}, {expr}, ', outside 2000..2100 as epoch seconds')",
        ),
    ]


def epoch_value(expr: str, *, nullable: bool) -> str:
    value = f"toDateTime(toInt64OrZero({expr}), 'UTC')"
    return f"if({expr} = '', NULL, {value})" if nullable else value


def flag_checks(column: str, expr: str) -> list[tuple[str, str]]:
    return [
        (
            f"lower({expr}) not in ('', '0', '1', 'true', 'false', 'yes', 'no')",
            f"concat({lit(f'column {column!r} has ')}, {shown(expr)}, '; expected 0 or 1')",
        )
    ]


def flag_value(expr: str) -> str:
    return f"toUInt8(lower({expr}) in ('1', 'true', 'yes'))"


def required_text(column: str, expr: str) -> tuple[str, str]:
    return (f"{expr} = ''", lit(f"column '{column}' is empty but required"))


RUPEES_RE = r"^\d+(\.\d{1,2})?$"
IST_LOCAL_RES = (
    (r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}$", "%Y-%m-%d %H:%i:%s"),
    (r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}$", "%d/%m/%Y %H:%i:%s"),
)


def amount_checks(column: str, expr: str, unit: str, *, required: bool = True) -> list[tuple[str, str]]:
    """An amount as a format writes it: paise (a whole number) or rupees (at most two decimals)."""
    if unit == "paise":
        return paise_checks(column, expr, required=required)
    checks = []
    if required:
        checks.append((f"{expr} = ''", lit(f"column '{column}' is empty; expected an amount in rupees")))
    checks += [
        (
            f"{expr} != '' and not match({expr}, {lit(RUPEES_RE)})",
            f"concat({lit(f'column {column!r} has ')}, {shown(expr)}, "
            "', not an amount in rupees with at most two decimals (e.g. 294.69)')",
        ),
        (
            f"match({expr}, {lit(RUPEES_RE)}) and ifNull(toDecimal128OrNull({expr}, 2) * 100 > {MAX_PAISE}, 1)",
            f"concat({lit(f'column {column!r} has ')}, {shown(expr)}, ', outside ±10^15 paise')",
        ),
    ]
    return checks


def amount_value(expr: str, unit: str) -> str:
    """Paise from an amount the checks accepted."""
    if unit == "paise":
        return paise_value(expr)
    return f"if({expr} = '', toInt64(0), toInt64(toDecimal128OrZero({expr}, 2) * 100))"


def _ist_local(expr: str) -> str:
    """An IST wall-clock time (as a dashboard shows it) as a UTC DateTime, NULL when not a real time."""
    branches = ", ".join(
        f"match({expr}, {lit(pattern)}), parseDateTimeOrNull(replaceOne({expr}, 'T', ' '), {lit(fmt)}, 'Asia/Kolkata')"
        for pattern, fmt in IST_LOCAL_RES
    )
    return f"toTimeZone(multiIf({branches}, NULL), 'UTC')"


def _iso8601(expr: str) -> str:
    day = f"substring({expr}, 1, 10)"
    return (
        f"if(match({expr}, {lit(RFC3339_RE)}) and toString(toDateOrNull({day})) = {day}, "
        f"toDateTime(parseDateTime64BestEffortOrNull({expr}, 0, 'UTC'), 'UTC'), NULL)"
    )


TIME_FORMAT_WORDS = {
    "epoch_seconds": "a time in epoch seconds",
    "ist_local": "an IST time as YYYY-MM-DD HH:MM:SS or DD/MM/YYYY HH:MM:SS",
    "iso8601": "an ISO 8601 time with its zone, e.g. 2026-10-01T10:00:00+05:30",
}


def time_checks(
    column: str, expr: str, time_format: str, *, required_when: str = "1"
) -> list[tuple[str, str]]:
    if time_format == "epoch_seconds":
        return epoch_checks(column, expr, required_when=required_when)
    parsed = _ist_local(expr) if time_format == "ist_local" else _iso8601(expr)
    words = TIME_FORMAT_WORDS[time_format]
    return [
        (f"{expr} = '' and ({required_when})", lit(f"column '{column}' is empty; expected {words}")),
        (
            f"{expr} != '' and {parsed} is null",
            f"concat({lit(f'column {column!r} has ')}, {shown(expr)}, {lit(f', not {words}')})",
        ),
        (
            f"{expr} != '' and toUnixTimestamp(ifNull({parsed}, toDateTime(0, 'UTC'))) "
            f"not between {EPOCH_MIN} and {EPOCH_MAX}",
            f"concat({lit(f'column {column!r} has ')}, {shown(expr)}, ', outside 2000..2100')",
        ),
    ]


def time_value(expr: str, time_format: str, *, nullable: bool) -> str:
    if time_format == "epoch_seconds":
        return epoch_value(expr, nullable=nullable)
    parsed = _ist_local(expr) if time_format == "ist_local" else _iso8601(expr)
    value = f"ifNull({parsed}, toDateTime(0, 'UTC'))"
    return f"if({expr} = '', NULL, {value})" if nullable else value
