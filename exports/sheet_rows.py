"""Detail and Exceptions rows as worksheet XML, rendered straight from the mart's values.

Through XlsxWriter's API a million rows of 24 columns took 371 s of CPU on this machine (about 17 µs
a cell); rendered here, a block of rows at a time and a column at a time, a cell costs about 2 µs. The
rows go to a file per sheet and are spliced into the sheets XlsxWriter writes
(`core.reproducible_xlsx.repackage`). Cells are what XlsxWriter itself writes in constant-memory mode:
inline strings, numbers, and number formats given by the workbook's style numbers (`RowStyle`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from core.money import rupees_text
from core.spreadsheet_text import FORMULA_TRIGGERS, spreadsheet_text
from core.time import ist_wall_clock
from exports.mart_columns import ColumnKind

EXCEL_EPOCH = datetime(1899, 12, 30)  # day 0 of Excel's 1900 date system, for dates after February 1900
EXCEL_EPOCH_DATE = EXCEL_EPOCH.date()
# Text that needs more than copying: characters XML cannot hold, markup, and CR (which XML would read
# back as LF unless it is a character reference).
NEEDS_ESCAPING = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f&<>]")
# A first character that makes text slow-path: a formula trigger or white space (kept with xml:space).
SPECIAL_FIRST = frozenset(FORMULA_TRIGGERS) | frozenset(" \t\n\r\x0b\x0c")
XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


class RowStyle(IntEnum):
    """The workbook's style numbers the rendered cells use (the workbook numbers its formats so)."""

    RUPEES = 1
    TIMESTAMP = 2
    DATE = 3
    QUOTED_TEXT = 4  # text shown and kept as typed: Excel's quote prefix, for text that looks like a formula


CellXml = Callable[[object, str], str]  # (value, row number) -> the cell's XML, "" for an empty cell


def excel_serial(value: datetime) -> float:
    """Days since Excel's epoch, the way XlsxWriter counts them."""
    delta = value - EXCEL_EPOCH
    return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400


def text_xml(text: str) -> str:
    """`<is>` of a non-empty text."""
    if NEEDS_ESCAPING.search(text):
        text = (spreadsheet_text(text) or "").translate(XML_ESCAPES)
    if text[0].isspace() or text[-1].isspace():
        return f'<is><t xml:space="preserve">{text}</t></is>'
    return f"<is><t>{text}</t></is>"


def cell_xml(kind: ColumnKind, column: int) -> CellXml:
    """How a value (not None) of `kind` in 0-based `column` becomes a cell ("" for empty text)."""
    ref = xl_col_to_name(column)
    quoted = f' s="{RowStyle.QUOTED_TEXT}"'

    def text(value: Any, row: str) -> str:
        if not isinstance(value, str):
            return other(value, row)
        if not value:
            return ""
        if value[0] in SPECIAL_FIRST or value[-1].isspace() or NEEDS_ESCAPING.search(value):
            style = quoted if value.startswith(FORMULA_TRIGGERS) else ""
            return f'<c r="{ref}{row}"{style} t="inlineStr">{text_xml(value)}</c>'
        return f'<c r="{ref}{row}" t="inlineStr"><is><t>{value}</t></is></c>'

    def other(value: Any, row: str) -> str:
        if isinstance(value, bool):
            return f'<c r="{ref}{row}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int | Decimal) or (isinstance(value, float) and math.isfinite(value)):
            return f'<c r="{ref}{row}"><v>{value}</v></c>'
        return text(str(value), row)

    def integer(value: Any, row: str) -> str:
        return f'<c r="{ref}{row}"><v>{value}</v></c>'

    def money(value: Any, row: str) -> str:
        return f'<c r="{ref}{row}" s="{RowStyle.RUPEES}"><v>{rupees_text(value)}</v></c>'

    def timestamp(value: Any, row: str) -> str:
        serial = excel_serial(ist_wall_clock(value))
        return f'<c r="{ref}{row}" s="{RowStyle.TIMESTAMP}"><v>{serial:.16G}</v></c>'

    def calendar_date(value: Any, row: str) -> str:
        if isinstance(value, datetime):
            return timestamp(value, row)
        return f'<c r="{ref}{row}" s="{RowStyle.DATE}"><v>{(value - EXCEL_EPOCH_DATE).days}</v></c>'

    return {
        ColumnKind.TEXT: text,
        ColumnKind.INTEGER: integer,
        ColumnKind.MONEY_PAISE: money,
        ColumnKind.TIMESTAMP: timestamp,
        ColumnKind.DATE: calendar_date,
    }[kind]


ROW = "\x00"  # the row number in a rendered row body; XML cannot hold it, so no value contains it
ColumnXml = Callable[[Sequence[Any]], list[str]]  # a column's values in a block -> their cells


def column_xml(kind: ColumnKind, column: int) -> ColumnXml:
    """A block's worth of one column's cells at a time, row numbers left as `ROW`: the common cases
    (plain text, integers, money, dates) inline in one comprehension, the rest through `cell_xml`.
    Empty cells are ""."""
    ref = xl_col_to_name(column)
    cell = cell_xml(kind, column)
    start = f'<c r="{ref}{ROW}"'
    text_start, money_start = f'{start} t="inlineStr"><is><t>', f'{start} s="{RowStyle.RUPEES}"><v>'
    date_start = f'{start} s="{RowStyle.DATE}"><v>'

    def text(values: Sequence[Any]) -> list[str]:
        return [
            f"{text_start}{v}</t></is></c>"
            if v.__class__ is str
            and v
            and v[0] not in SPECIAL_FIRST
            and not v[-1].isspace()
            and not NEEDS_ESCAPING.search(v)
            else ("" if v is None else cell(v, ROW))
            for v in values
        ]

    def integer(values: Sequence[Any]) -> list[str]:
        return ["" if v is None else f"{start}><v>{v}</v></c>" for v in values]

    def money(values: Sequence[Any]) -> list[str]:
        return ["" if v is None else f"{money_start}{rupees_text(v)}</v></c>" for v in values]

    def calendar_date(values: Sequence[Any]) -> list[str]:
        return [
            f"{date_start}{(v - EXCEL_EPOCH_DATE).days}</v></c>"
            if v.__class__ is date
            else ("" if v is None else cell(v, ROW))
            for v in values
        ]

    def other(values: Sequence[Any]) -> list[str]:
        return ["" if v is None else cell(v, ROW) for v in values]

    fast = {
        ColumnKind.TEXT: text,
        ColumnKind.INTEGER: integer,
        ColumnKind.MONEY_PAISE: money,
        ColumnKind.DATE: calendar_date,
    }
    return fast.get(kind, other)


class RowRenderer:
    """`<row>` elements for rows of values in the mart's column order (the header is row 1).

    A block of rows is rendered column by column (one comprehension per column, no call per cell) into
    row bodies whose row number is left open (`ROW`), so a row going to both Detail and Exceptions is
    rendered once; `rows` numbers the bodies for one sheet."""

    def __init__(self, kinds: Sequence[ColumnKind]) -> None:
        self._columns = [column_xml(kind, i) for i, kind in enumerate(kinds)]

    def bodies(self, block: Sequence[Sequence[object]]) -> list[str]:
        """Each row's cells, row numbers open."""
        if not block:
            return []
        columns = [
            render(values) for render, values in zip(self._columns, zip(*block, strict=True), strict=True)
        ]
        return ["".join(cells) for cells in zip(*columns, strict=True)]

    @staticmethod
    def rows(first: int, bodies: Sequence[str]) -> str:
        """`bodies` as rows `first`, `first + 1`, ..."""
        numbers = [str(n) for n in range(first, first + len(bodies))]
        return "".join(
            [f'<row r="{n}">{body.replace(ROW, n)}</row>' for n, body in zip(numbers, bodies, strict=True)]
        )
