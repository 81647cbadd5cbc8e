"""data_dictionary.xlsx: a "Columns" sheet (one row per column) and a "Models" sheet, each with a frozen,
bold header row and filters.

Written with XlsxWriter and saved reproducibly (fixed document times, zip entry times and order), so
re-running changes no byte.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from core.reproducible_xlsx import ZIP_EPOCH, column_pixels, new_workbook, repackage
from core.spreadsheet_text import looks_like_formula, spreadsheet_text
from dictionary.catalog import Catalog
from dictionary.rows import COLUMN_HEADER, MODEL_HEADER, column_rows, model_rows

TITLE = "MyMedic data dictionary"
WIDTHS = {"description": 80, "tests": 50, "model_tests": 50, "grain": 40, "contains": 40, "sensitivity": 30}
DEFAULT_WIDTH_LIMIT = 36
WRAPPED = ("description", "tests", "model_tests", "grain", "contains")

Rows = Iterable[Sequence[str | int]]


@dataclass(frozen=True)
class Formats:
    header: Format
    wrapped: Format  # long text: wrapped, top-aligned
    quoted: Format  # text that looks like a formula, kept as text
    wrapped_quoted: Format

    @classmethod
    def of(cls, workbook: Workbook) -> Formats:
        wrap = {"text_wrap": True, "valign": "top"}
        return cls(
            header=workbook.add_format({"bold": True}),
            wrapped=workbook.add_format(wrap),
            quoted=workbook.add_format({"quote_prefix": True}),
            wrapped_quoted=workbook.add_format({**wrap, "quote_prefix": True}),
        )

    def of_cell(self, wrapped: bool, text: str) -> Format | None:
        if looks_like_formula(text):
            return self.wrapped_quoted if wrapped else self.quoted
        return self.wrapped if wrapped else None


def fill_sheet(sheet: Worksheet, formats: Formats, header: Sequence[str], rows: Rows) -> None:
    """The header, then `rows` (text is written as text, never as a formula); widths fit the text."""
    rows = [list(row) for row in rows]
    wrapped = [name in WRAPPED for name in header]
    for index, name in enumerate(header):
        longest = max((len(str(row[index])) for row in rows), default=0)
        width = WIDTHS.get(name, min(max(longest, len(name)) + 2, DEFAULT_WIDTH_LIMIT))
        sheet.set_column_pixels(index, index, column_pixels(width))
        sheet.write_string(0, index, name, formats.header)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), len(header) - 1)
    for number, row in enumerate(rows, 1):
        for index, value in enumerate(row):
            if isinstance(value, int):
                sheet.write_number(number, index, value)
            elif text := spreadsheet_text(value):
                sheet.write_string(number, index, text, formats.of_cell(wrapped[index], text))


def save_workbook(path: Path, sheets: Sequence[tuple[str, Sequence[str], Rows]]) -> None:
    """Write `sheets` (title, header, rows) to `path` reproducibly, through a scratch file beside it."""
    scratch = path.with_name(f".{path.name}.xlsxwriter.tmp")
    try:
        with tempfile.TemporaryDirectory() as tmpdir:
            workbook = new_workbook(scratch, title=TITLE, as_of=None, tmpdir=Path(tmpdir))
            formats = Formats.of(workbook)
            for title, header, rows in sheets:
                fill_sheet(workbook.add_worksheet(title), formats, header, rows)
            workbook.close()
        repackage(scratch, path, timestamp=ZIP_EPOCH, sheet_rows={})
    finally:
        scratch.unlink(missing_ok=True)


def write_workbook(catalog: Catalog, path: Path) -> None:
    save_workbook(
        path,
        [("Columns", COLUMN_HEADER, column_rows(catalog)), ("Models", MODEL_HEADER, model_rows(catalog))],
    )
