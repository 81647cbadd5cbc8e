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
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from core.money import rupees_text
from core.spreadsheet_text import FORMULA_TRIGGERS, spreadsheet_text
from core.time import ist_wall_clock
from exports.mart_columns import ColumnKind
from exports.rupee_formats import RUPEE_FORMATS, SMALL_LIMIT, magnitude_class

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

    TIMESTAMP = 1
    DATE = 2
    QUOTED_TEXT = 3  # text shown and kept as typed: Excel's quote prefix, for text that looks like a formula
    WRAPPED_TEXT = 4  # long text (reasons), wrapped in its cell
    QUOTED_WRAPPED_TEXT = 5
    RUPEES = 6  # the first of the rupee styles: RUPEES + magnitude_class(paise) (exports.rupee_formats)


RUPEE_STYLES: tuple[int, ...] = tuple(RowStyle.RUPEES + i for i in range(len(RUPEE_FORMATS)))
STYLE_COUNT = RUPEE_STYLES[-1]  # styles 1..STYLE_COUNT


def rupee_style(paise: int) -> int:
    """The style number that shows `paise` as rupees grouped the Indian way."""
    return RowStyle.RUPEES + magnitude_class(paise)


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


def cell_xml(kind: ColumnKind, column: int, *, wrap: bool = False) -> CellXml:
    """How a value (not None) of `kind` in 0-based `column` becomes a cell ("" for empty text); `wrap`
    wraps text in its cell."""
    ref = xl_col_to_name(column)
    plain = f' s="{RowStyle.WRAPPED_TEXT}"' if wrap else ""
    quoted = f' s="{RowStyle.QUOTED_WRAPPED_TEXT if wrap else RowStyle.QUOTED_TEXT}"'

    def text(value: Any, row: str) -> str:
        if not isinstance(value, str):
            return other(value, row)
        if not value:
            return ""
        if value[0] in SPECIAL_FIRST or value[-1].isspace() or NEEDS_ESCAPING.search(value):
            style = quoted if value.startswith(FORMULA_TRIGGERS) else plain
            return f'<c r="{ref}{row}"{style} t="inlineStr">{text_xml(value)}</c>'
        return f'<c r="{ref}{row}"{plain} t="inlineStr"><is><t>{value}</t></is></c>'

    def other(value: Any, row: str) -> str:
        if isinstance(value, bool):
            return f'<c r="{ref}{row}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int | Decimal) or (isinstance(value, float) and math.isfinite(value)):
            return f'<c r="{ref}{row}"><v>{value}</v></c>'
        return text(str(value), row)

    def integer(value: Any, row: str) -> str:
        if isinstance(value, bool):
            return other(value, row)
        return f'<c r="{ref}{row}"><v>{value}</v></c>'

    def money(value: Any, row: str) -> str:
        return f'<c r="{ref}{row}" s="{rupee_style(value)}"><v>{rupees_text(value)}</v></c>'

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


def column_xml(kind: ColumnKind, column: int, *, wrap: bool = False) -> ColumnXml:
    """A block's worth of one column's cells at a time, row numbers left as `ROW`: the common cases
    (plain text, integers, money under ₹1 lakh, dates) inline in one comprehension, the rest through
    `cell_xml`. Empty cells are ""."""
    ref = xl_col_to_name(column)
    cell = cell_xml(kind, column, wrap=wrap)
    start = f'<c r="{ref}{ROW}"'
    plain = f' s="{RowStyle.WRAPPED_TEXT}"' if wrap else ""
    text_start, date_start = f'{start}{plain} t="inlineStr"><is><t>', f'{start} s="{RowStyle.DATE}"><v>'
    money_start, small = f'{start} s="{RowStyle.RUPEES}"><v>', SMALL_LIMIT

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
        return [
            f"{start}><v>{v}</v></c>" if v.__class__ is int else ("" if v is None else cell(v, ROW))
            for v in values
        ]

    def money(values: Sequence[Any]) -> list[str]:
        return [
            f"{money_start}{rupees_text(v)}</v></c>"
            if v is not None and -small < v < small
            else ("" if v is None else cell(v, ROW))
            for v in values
        ]

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


@dataclass(frozen=True)
class RenderedColumn:
    """A sheet column: which value of the source row it shows, what kind of value that is, and, for long
    text, the column's width in characters: its text wraps and the row is made tall enough to show it."""

    source: int
    kind: ColumnKind
    wrap_width: float = 0


LINE_POINTS = 15  # the default row height (Calibri 11): one line of text
CHARACTERS_PER_WIDTH = 1.15  # text characters per unit of column width (a digit's), roughly


def row_start(lines: int) -> str:
    """What follows `<row r="n"` for a row of `lines` lines of text: applications do not all size a row to
    its wrapped text when they open a file, so the height is written out."""
    return ">" if lines <= 1 else f' ht="{LINE_POINTS * lines}" customHeight="1">'


class RowRenderer:
    """`<row>` elements for rows of values (the header is row 1): sheet column i shows the value at
    `columns[i].source` of each row, so a sheet can show a row's values in its own order, or some of them.

    A block of rows is rendered column by column (one comprehension per column, no call per cell) into
    row bodies whose row number is left open (`ROW`), so a row going to two sheets is rendered once;
    `rows` numbers the bodies for one sheet."""

    def __init__(self, columns: Sequence[RenderedColumn | ColumnKind]) -> None:
        specs = [c if isinstance(c, RenderedColumn) else RenderedColumn(i, c) for i, c in enumerate(columns)]
        self._sources = [spec.source for spec in specs]
        self._columns = [column_xml(spec.kind, i, wrap=spec.wrap_width > 0) for i, spec in enumerate(specs)]
        self._wrapped = [
            (spec.source, spec.wrap_width * CHARACTERS_PER_WIDTH) for spec in specs if spec.wrap_width
        ]

    def bodies(self, block: Sequence[Sequence[object]]) -> list[str]:
        """Each row's start (its height) and cells, row numbers open."""
        if not block:
            return []
        values = list(zip(*block, strict=True))
        columns = [
            render(values[source]) for render, source in zip(self._columns, self._sources, strict=True)
        ]
        if not self._wrapped:
            return [">" + "".join(cells) for cells in zip(*columns, strict=True)]
        lines = [1] * len(block)
        for source, per_line in self._wrapped:
            lines = [
                n if v.__class__ is not str or len(v) <= per_line else max(n, math.ceil(len(v) / per_line))
                for n, v in zip(lines, values[source], strict=True)
            ]
        return [
            row_start(n) + "".join(cells) for n, cells in zip(lines, zip(*columns, strict=True), strict=True)
        ]

    @staticmethod
    def rows(first: int, bodies: Sequence[str]) -> str:
        """`bodies` as rows `first`, `first + 1`, ..."""
        numbers = [str(n) for n in range(first, first + len(bodies))]
        return "".join(
            [f'<row r="{n}"{body.replace(ROW, n)}</row>' for n, body in zip(numbers, bodies, strict=True)]
        )
