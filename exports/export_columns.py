"""The columns the export reads from a mart: the mart's own, and beside some of them columns for people,
computed by the warehouse in the same query so that writing them costs nothing per cell in Python:

- `branch_name` right after `branch_id` (from `marts.dim_branches`; empty when the branch is unknown);
- `<x>_inr` right after each `<x>_paise`: the exact rupee amount as text, 2 decimals, dot, no grouping
  (`-123.45`), empty when the amount is;
- `<x>_ist` right after each timestamp `<x>` (stored UTC): the IST wall clock with its offset,
  `2026-10-01 10:00:00+05:30` (milliseconds when there are any), so the IST dates beside it match.

The CSV has every column; the workbook's sheets show amounts and times from the stored columns (as numbers
and IST date-times) and leave out the `_inr` and `_ist` text.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.time import IST_NAME, IST_OFFSET
from exports.mart_columns import PAISE_SUFFIX, ColumnKind, MartColumn, base_type

INR_SUFFIX = "_inr"
IST_SUFFIX = "_ist"
BRANCH_NAME = "branch_name"


def quote_identifier(name: str) -> str:
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


@dataclass(frozen=True)
class ExportColumn:
    name: str
    sql: str  # the select expression, over the mart's columns (and `branch_name` of the branches join)
    kind: ColumnKind
    on_sheets: bool = True  # False: CSV only


def rupees_sql(column: str) -> str:
    """Exact rupees text from integer paise (NULL stays NULL): 45010 -> '450.10', -5 -> '-0.05'."""
    c = quote_identifier(column)
    return (
        f"concat(if({c} < 0, '-', ''), toString(intDiv(abs({c}), 100)), '.', "
        f"leftPad(toString(abs({c}) % 100), 2, '0'))"
    )


def timestamp_scale(clickhouse_type: str) -> int:
    """Digits after the second of a DateTime64(scale, ...) type; 0 for DateTime."""
    inner = base_type(clickhouse_type)
    if not inner.startswith("DateTime64("):
        return 0
    return int(inner[len("DateTime64(") :].split(",")[0].split(")")[0])


def ist_sql(column: str, clickhouse_type: str) -> str:
    """IST wall clock text with the offset, milliseconds only when the instant has any."""
    c = quote_identifier(column)
    seconds = f"formatDateTime({c}, '%Y-%m-%d %H:%i:%S', '{IST_NAME}')"
    if timestamp_scale(clickhouse_type) >= 3:
        millis = f"toUnixTimestamp64Milli(toDateTime64({c}, 3)) % 1000"
        seconds = f"concat({seconds}, if({millis} = 0, '', concat('.', leftPad(toString({millis}), 3, '0'))))"
    return f"concat({seconds}, '{IST_OFFSET}')"


def export_columns(columns: list[MartColumn], *, with_branch_name: bool) -> list[ExportColumn]:
    """The mart's columns in their order, each followed by the columns derived from it."""
    out: list[ExportColumn] = []
    names = {c.name for c in columns}
    for column in columns:
        out.append(ExportColumn(column.name, quote_identifier(column.name), column.kind))
        if column.name == "branch_id" and BRANCH_NAME not in names:
            sql = quote_identifier(BRANCH_NAME) if with_branch_name else "''"
            out.append(ExportColumn(BRANCH_NAME, sql, ColumnKind.TEXT))
        elif column.kind is ColumnKind.MONEY_PAISE:
            name = column.name.removesuffix(PAISE_SUFFIX) + INR_SUFFIX
            if name not in names:
                out.append(ExportColumn(name, rupees_sql(column.name), ColumnKind.TEXT, on_sheets=False))
        elif column.kind is ColumnKind.TIMESTAMP:
            name = column.name + IST_SUFFIX
            if name not in names:
                sql = ist_sql(column.name, column.clickhouse_type)
                out.append(ExportColumn(name, sql, ColumnKind.TEXT, on_sheets=False))
    return out
