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

EXCEL_MAX_ROWS = 1_048_576
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

    Every sheet gets the header row, frozen panes below it, an autofilter over the header and its rows,
    and the column widths of `columns`. The first sheet exists from the start, so an empty series is
    a header row.
    """

    def __init__(
        self,
        base: str,
        columns: Sequence[SheetColumn],
        folder: Path,
        *,
        max_rows: int = EXCEL_MAX_ROWS,
    ) -> None:
        if max_rows < 2:
            raise ValueError("a sheet must hold the header and at least one row")
        self.base = base
        self.columns = list(columns)
        self.rows_per_sheet = max_rows - 1
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
            self._file.write(RowRenderer.rows(part.rows + 2, batch))
            part.rows += len(batch)
            done += len(batch)

    def close(self) -> None:
        """Finish writing rows (idempotent)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def add_sheets(
        self, add_sheet: Callable[[str], Worksheet], header_format: Format
    ) -> dict[str, SheetRows]:
        """Make the series' sheets with `add_sheet(title) -> Worksheet`; returns each sheet's rows by title."""
        self.close()
        rows: dict[str, SheetRows] = {}
        for part in self.parts:
            ws = add_sheet(part.title)
            for i, column in enumerate(self.columns):
                ws.set_column_pixels(i, i, column_pixels(column.width))
                ws.write_string(0, i, column.header, header_format)
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, part.rows, len(self.columns) - 1)
            rows[part.title] = SheetRows(part.path, last_row=part.rows + 1, last_column=len(self.columns))
        return rows
