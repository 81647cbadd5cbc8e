"""The rows of a statement file, CSV or XLSX, each with its position and raw text, before anything is
known about which row is the table header.

- CSV: one row per non-blank physical line (UTF-8, a BOM, CRLF or LF), with its byte offset and length;
  a line that can't be split (bad quoting, a stray CR, not UTF-8) is a row with a problem and no cells.
- XLSX: the first worksheet, read with openpyxl in read-only mode; one row per non-empty sheet row, its
  position the sheet's row number (byte offset and length 0: a workbook is zipped XML). Numbers become
  their decimal text, date cells stay dates (no format to guess), empty cells are ''.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from ingestion.csv_source import physical_lines, split_line
from ingestion.records import FileRejected

Cell = str | date
XLSX_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True, slots=True)
class SheetRow:
    line: int
    raw: str  # the row as received (an XLSX row: its cells as one CSV line)
    offset: int
    length: int
    cells: list[Cell] | None  # None when the row can't be split
    problem: str = ""

    def texts(self) -> list[str]:
        return [c.isoformat() if isinstance(c, date) else c for c in self.cells or []]


def is_xlsx(path: Path) -> bool:
    return path.suffix.lower() in XLSX_SUFFIXES


def read_rows(path: Path) -> Iterator[SheetRow]:
    yield from (_xlsx_rows(path) if is_xlsx(path) else _csv_rows(path))


def _csv_rows(path: Path) -> Iterator[SheetRow]:
    for number, start, body in physical_lines(path):
        try:
            text: str | None = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        shown = text if text is not None else body.decode("utf-8", errors="replace")
        if not shown.strip():
            continue  # a blank line is not a row
        fields, problem = split_line(text) if text is not None else (None, "row is not valid UTF-8 text")
        yield SheetRow(
            number, shown, start, len(body), list(fields) if fields is not None else None, problem or ""
        )


def _cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value)


def _csv_text(cells: list[Cell]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([c.isoformat() if isinstance(c, date) else c for c in cells])
    return out.getvalue()


def _xlsx_rows(path: Path) -> Iterator[SheetRow]:
    from openpyxl import load_workbook  # only XLSX statements need it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileRejected(f"{path.name} is not a readable XLSX workbook ({type(exc).__name__})") from None
    try:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            if not any(isinstance(c, date) or c.strip() for c in cells):
                continue
            yield SheetRow(number, _csv_text(cells), 0, 0, cells)
    finally:
        book.close()
