"""data_dictionary.xlsx: a "Columns" sheet (one row per column) and a "Models" sheet, each with a frozen,
bold header row and filters.

Saved reproducibly (fixed document times, zip entry times and order), so re-running changes no byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.reproducible_xlsx import save_reproducibly
from dictionary.catalog import Catalog
from dictionary.rows import COLUMN_HEADER, MODEL_HEADER, column_rows, model_rows

TITLE = "MyMedic data dictionary"
CREATOR = "MyMedic"
DOCUMENT_TIME = datetime(1980, 1, 1)  # fixed: the earliest time a zip entry can carry
WIDTHS = {"description": 80, "tests": 50, "model_tests": 50, "grain": 40, "contains": 40, "sensitivity": 30}
DEFAULT_WIDTH_LIMIT = 36
WRAPPED = ("description", "tests", "model_tests", "grain", "contains")


def fill_sheet(sheet: Worksheet, header: Sequence[str], rows: Iterable[Sequence[str | int]]) -> None:
    sheet.append(list(header))
    count = 0
    for row in rows:
        sheet.append(list(row))
        count += 1
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":  # text that starts with "=" is text here, never a formula
                cell.data_type = "s"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(header))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    for index, name in enumerate(header, start=1):
        letter = get_column_letter(index)
        longest = max((len(str(c.value or "")) for c in sheet[letter]), default=len(name))
        sheet.column_dimensions[letter].width = WIDTHS.get(
            name, min(max(longest, len(name)) + 2, DEFAULT_WIDTH_LIMIT)
        )
        if name in WRAPPED:
            for cell in sheet[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def build_workbook(catalog: Catalog) -> Workbook:
    workbook = Workbook()
    columns = workbook.active
    columns.title = "Columns"
    fill_sheet(columns, COLUMN_HEADER, column_rows(catalog))
    fill_sheet(workbook.create_sheet("Models"), MODEL_HEADER, model_rows(catalog))
    properties = workbook.properties
    properties.title, properties.creator, properties.lastModifiedBy = TITLE, CREATOR, CREATOR
    properties.created = properties.modified = DOCUMENT_TIME
    return workbook


def save_workbook(workbook: Workbook, path: Path) -> None:
    scratch = path.with_name(f".{path.name}.scratch")
    try:
        save_reproducibly(workbook, path, scratch=scratch, title="MyMedic data dictionary", as_of=None)
    finally:
        scratch.unlink(missing_ok=True)
