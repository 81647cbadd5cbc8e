"""Detail and Exceptions rows as worksheet XML, rendered straight from the mart's values.

A cell through XlsxWriter's API costs about 14 µs on this machine (a million rows of 24 columns: ~320 s);
here each column gets one small function that turns a stored value into its `<c>` element, about 1.5 µs
a cell. The rows go to a file per sheet and are spliced into the sheets XlsxWriter writes
(`core.reproducible_xlsx.repackage`). Cells are what XlsxWriter itself writes in constant-memory mode:
inline strings, numbers, and number formats given by the workbook's style numbers (`RowStyle`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from enum import IntEnum
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from core.money import paise_to_rupees
from core.spreadsheet_text import FORMULA_TRIGGERS, spreadsheet_text
from core.time import ist_wall_clock
from exports.mart_columns import ColumnKind

EXCEL_EPOCH = datetime(1899, 12, 30)  # day 0 of Excel's 1900 date system, for dates after February 1900
EXCEL_EPOCH_DATE = EXCEL_EPOCH.date()
# Text that needs more than copying: characters XML cannot hold, markup, and CR (which XML would read
# back as LF unless it is a character reference).
NEEDS_ESCAPING = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f&<>]")
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
    """How a value of `kind` in 0-based `column` becomes a cell (None: no cell). Called for every cell,
    so each is one function with its checks inline."""
    ref = xl_col_to_name(column)
    quoted = f' s="{RowStyle.QUOTED_TEXT}"'

    def text(value: Any, row: str) -> str:
        if not isinstance(value, str):
            return other(value, row)
        if not value:
            return ""
        style = quoted if value.startswith(FORMULA_TRIGGERS) else ""
        if NEEDS_ESCAPING.search(value) or value[0].isspace() or value[-1].isspace():
            return f'<c r="{ref}{row}"{style} t="inlineStr">{text_xml(value)}</c>'
        return f'<c r="{ref}{row}"{style} t="inlineStr"><is><t>{value}</t></is></c>'

    def other(value: Any, row: str) -> str:
        if isinstance(value, bool):
            return f'<c r="{ref}{row}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int | Decimal) or (isinstance(value, float) and math.isfinite(value)):
            return f'<c r="{ref}{row}"><v>{value}</v></c>'
        return text(str(value), row)

    def integer(value: Any, row: str) -> str:
        return f'<c r="{ref}{row}"><v>{value}</v></c>'

    def money(value: Any, row: str) -> str:
        return f'<c r="{ref}{row}" s="{RowStyle.RUPEES}"><v>{paise_to_rupees(value)}</v></c>'

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


class RowRenderer:
    """`<row>` elements for rows of values in the mart's column order (the header is row 1)."""

    def __init__(self, kinds: Sequence[ColumnKind]) -> None:
        self._cells = [cell_xml(kind, i) for i, kind in enumerate(kinds)]

    def row(self, number: int, values: Sequence[object]) -> str:
        r = str(number)
        cells = "".join([cell(v, r) for cell, v in zip(self._cells, values, strict=True) if v is not None])
        return f'<row r="{r}">{cells}</row>'
