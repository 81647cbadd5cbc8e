"""A write-only worksheet that continues on `Name (2)`, `Name (3)`, ... when Excel's row limit is reached."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

EXCEL_MAX_ROWS = 1_048_576
HEADER_FONT = Font(bold=True)
HEADER_ALIGNMENT = Alignment(vertical="top", wrap_text=True)


@dataclass(frozen=True)
class SheetColumn:
    header: str
    width: float
    number_format: str | None = None  # None: the value is written unstyled


def series_title(base: str, number: int) -> str:
    return base if number == 1 else f"{base} ({number})"


class SheetSeries:
    """Rows go to `base`, then to `base (2)` once `base` holds `max_rows` rows (header included).

    Every sheet has the header row, frozen panes below it, an autofilter over the header and its rows,
    and the column widths and number formats of `columns`. The first sheet exists from the start, so
    an empty series is a header row.
    """

    def __init__(
        self,
        workbook: Workbook,
        base: str,
        columns: Sequence[SheetColumn],
        *,
        max_rows: int = EXCEL_MAX_ROWS,
    ) -> None:
        if max_rows < 2:
            raise ValueError("a sheet must hold the header and at least one row")
        self.workbook = workbook
        self.base = base
        self.columns = list(columns)
        self.rows_per_sheet = max_rows - 1
        self.sheets: list[WriteOnlyWorksheet] = []
        self.data_rows: list[int] = []
        self._formats = [c.number_format for c in self.columns]
        self._new_sheet()

    @property
    def titles(self) -> list[str]:
        return [ws.title for ws in self.sheets]

    @property
    def total_rows(self) -> int:
        return sum(self.data_rows)

    def _new_sheet(self) -> None:
        ws = self.workbook.create_sheet(series_title(self.base, len(self.sheets) + 1))
        for i, column in enumerate(self.columns, 1):
            ws.column_dimensions[get_column_letter(i)].width = column.width
        ws.freeze_panes = "A2"
        header = []
        for column in self.columns:
            cell = WriteOnlyCell(ws, column.header)
            cell.font = HEADER_FONT
            cell.alignment = HEADER_ALIGNMENT
            header.append(cell)
        ws.append(header)
        self.sheets.append(ws)
        self.data_rows.append(0)

    def append(self, values: Sequence[object]) -> None:
        if self.data_rows[-1] == self.rows_per_sheet:
            self._new_sheet()
        ws = self.sheets[-1]
        row: list[object] = []
        for value, number_format in zip(values, self._formats, strict=True):
            if value is None:
                row.append(None)
            elif isinstance(value, str) and value.startswith("="):
                cell = WriteOnlyCell(ws, value)
                cell.data_type = "s"  # text such as "=1+1" is data, never a formula
                row.append(cell)
            elif number_format is not None:
                cell = WriteOnlyCell(ws, value)
                cell.number_format = number_format
                row.append(cell)
            else:
                row.append(value)
        ws.append(row)
        self.data_rows[-1] += 1

    def finish(self) -> None:
        """Set each sheet's autofilter over its header and rows (call before saving)."""
        last_column = get_column_letter(len(self.columns))
        for ws, rows in zip(self.sheets, self.data_rows, strict=True):
            ws.auto_filter.ref = f"A1:{last_column}{rows + 1}"
