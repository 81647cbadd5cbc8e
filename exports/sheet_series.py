"""Rows for a sheet that continues on `Name (2)`, `Name (3)`, ... when Excel's row limit is reached.

The rows are rendered as they stream in (`exports.sheet_rows`) into a file per sheet in a scratch
folder; the sheets themselves (header, widths, panes, filter) are made when the workbook is saved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from core.reproducible_xlsx import SheetRows, column_pixels
from exports.sheet_rows import RowRenderer
from exports.workbook_styles import print_setup

EXCEL_MAX_ROWS = 1_048_576
HEADER_HEIGHT = 45  # points: three lines of wrapped header text
WRITE_BUFFER = 1 << 20


@dataclass(frozen=True)
class SheetColumn:
    header: str
    width: float


def series_title(base: str, number: int) -> str:
    return base if number == 1 else f"{base} ({number})"


@dataclass
class SheetPart:
    """One sheet of a series: its title, the file of its rendered rows and how many rows that holds."""

    title: str
    path: Path
    rows: int = 0


class SheetSeries:
    """Rows go to `base`, then to `base (2)` once `base` holds `max_rows` rows (header included).

    Every sheet gets the header row (repeated on every printed page), frozen panes below it, an autofilter
    over the header and its rows, the column widths of `columns`, and the print setup of every sheet
    (`workbook_styles.print_setup`). The first sheet exists from the start, so an empty series is a header
    row. A `note` goes in a row of its own above the header (and then counts towards `max_rows`).
    """

    def __init__(
        self,
        base: str,
        columns: Sequence[SheetColumn],
        folder: Path,
        *,
        max_rows: int = EXCEL_MAX_ROWS,
        note: str = "",
    ) -> None:
        self.header_row = 1 if note else 0  # 0-based
        if max_rows < self.header_row + 2:
            raise ValueError("a sheet must hold the header and at least one row")
        self.base = base
        self.note = note
        self.columns = list(columns)
        self.rows_per_sheet = max_rows - 1 - self.header_row
        self.parts: list[SheetPart] = []
        self._folder = folder
        self._file: TextIO | None = None
        self._new_part()

    @property
    def titles(self) -> list[str]:
        return [part.title for part in self.parts]

    @property
    def sheets(self) -> list[SheetPart]:
        return self.parts

    @property
    def total_rows(self) -> int:
        return sum(part.rows for part in self.parts)

    def _new_part(self) -> None:
        self.close()
        number = len(self.parts) + 1
        part = SheetPart(series_title(self.base, number), self._folder / f"{self.base}.{number}.rows.xml")
        self._file = part.path.open("w", encoding="utf-8", buffering=WRITE_BUFFER)
        self.parts.append(part)

    def append_rows(self, rows: Sequence[str]) -> None:
        """Rendered row bodies (`RowRenderer.bodies`) onto the current sheet, continuing on a new one at
        the row limit."""
        done = 0
        while done < len(rows):
            part = self.parts[-1]
            if part.rows == self.rows_per_sheet:
                self._new_part()
                part = self.parts[-1]
            batch = rows[done : done + self.rows_per_sheet - part.rows]
            assert self._file is not None
            self._file.write(RowRenderer.rows(part.rows + self.header_row + 2, batch))
            part.rows += len(batch)
            done += len(batch)

    def close(self) -> None:
        """Finish writing rows (idempotent)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def add_sheets(
        self, add_sheet: Callable[[str], Worksheet], header_format: Format, note_format: Format | None = None
    ) -> dict[str, SheetRows]:
        """Make the series' sheets with `add_sheet(title) -> Worksheet`; returns each sheet's rows by title."""
        self.close()
        rows: dict[str, SheetRows] = {}
        top, last_column = self.header_row, len(self.columns) - 1
        for part in self.parts:
            ws = add_sheet(part.title)
            for i, column in enumerate(self.columns):  # row sizes before cells: the sheet is written in order
                ws.set_column_pixels(i, i, column_pixels(column.width))
            if self.note:
                ws.set_row(0, HEADER_HEIGHT)
                ws.merge_range(0, 0, 0, last_column, self.note, note_format)
            ws.set_row(top, HEADER_HEIGHT)
            for i, column in enumerate(self.columns):
                ws.write_string(top, i, column.header, header_format)
            ws.freeze_panes(top + 1, 0)
            print_setup(ws, header_rows=(top, top))
            ws.autofilter(top, 0, top + part.rows, last_column)
            rows[part.title] = SheetRows(
                part.path, last_row=top + part.rows + 1, last_column=len(self.columns)
            )
        return rows
