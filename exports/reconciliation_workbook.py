"""The finance workbook: Summary, Detail (every row) and Exceptions (every row not matched).

Written in openpyxl's write-only mode, so rows go to disk as they stream in and a mart of millions of
rows needs little memory. Summary is filled last, from totals added up while the rows went by.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from datetime import date, datetime
from pathlib import Path
from typing import cast

from openpyxl.workbook import Workbook

from core.reproducible_xlsx import save_reproducibly
from exports.cell_values import ist_wall_clock, paise_to_rupees, spreadsheet_text
from exports.mart_columns import PAISE_SUFFIX, ColumnKind, MartColumn
from exports.reconciliation_summary import MATCHED, ReconciliationSummary
from exports.sheet_series import EXCEL_MAX_ROWS, SheetColumn, SheetSeries
from exports.summary_sheet import (
    RUPEE_FORMAT,
    SUMMARY_TITLE,
    prepare_summary_sheet,
    workbook_title,
    write_summary_sheet,
)

DETAIL_TITLE = "Detail"
EXCEPTIONS_TITLE = "Exceptions"
TIMESTAMP_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"

CellValue = Callable[[object], object]


def sheet_column(column: MartColumn) -> SheetColumn:
    """Header, width and number format of a mart column on Detail and Exceptions."""
    name = column.name
    if column.kind is ColumnKind.MONEY_PAISE:
        header = f"{name.removesuffix(PAISE_SUFFIX)} (₹)"
        return SheetColumn(header, max(len(header) + 2, 16), RUPEE_FORMAT)
    if column.kind is ColumnKind.TIMESTAMP:
        header = f"{name} (IST)"
        return SheetColumn(header, max(len(header) + 2, 20), TIMESTAMP_FORMAT)
    if column.kind is ColumnKind.DATE:
        return SheetColumn(name, max(len(name) + 2, 12), DATE_FORMAT)
    if column.kind is ColumnKind.INTEGER:
        return SheetColumn(name, max(len(name) + 2, 10))
    return SheetColumn(name, 60 if name.endswith("_reason") else max(len(name) + 2, 22))


def cell_value(kind: ColumnKind) -> CellValue:
    """How a stored value becomes a cell value (None stays an empty cell)."""

    def money(value: object) -> object:
        return None if value is None else paise_to_rupees(cast(int, value))

    def timestamp(value: object) -> object:
        return None if value is None else ist_wall_clock(cast(datetime, value))

    def text(value: object) -> object:
        return spreadsheet_text(value) if isinstance(value, str) else value

    def unchanged(value: object) -> object:
        return value

    return {ColumnKind.MONEY_PAISE: money, ColumnKind.TIMESTAMP: timestamp, ColumnKind.TEXT: text}.get(
        kind, unchanged
    )


class ReconciliationWorkbook:
    def __init__(self, columns: Sequence[MartColumn], *, max_rows_per_sheet: int = EXCEL_MAX_ROWS) -> None:
        self.summary = ReconciliationSummary(columns)
        self.workbook = Workbook(write_only=True)
        self.summary_sheet = self.workbook.create_sheet(SUMMARY_TITLE)
        prepare_summary_sheet(self.summary_sheet)
        sheet_columns = [sheet_column(c) for c in columns]
        self.detail = SheetSeries(self.workbook, DETAIL_TITLE, sheet_columns, max_rows=max_rows_per_sheet)
        self.exceptions = SheetSeries(
            self.workbook, EXCEPTIONS_TITLE, sheet_columns, max_rows=max_rows_per_sheet
        )
        self._cell_values = [cell_value(c.kind) for c in columns]

    def add_rows(self, rows: Iterable[Sequence[object]]) -> None:
        for row in rows:
            self.summary.add(row)
            values = [convert(value) for convert, value in zip(self._cell_values, row, strict=True)]
            self.detail.append(values)
            if self.summary.status_of(row) != MATCHED:
                self.exceptions.append(values)

    def save(self, target: Path, *, scratch: Path, as_of: date | None, source: str) -> None:
        """Fill Summary, put the sheets in order and save reproducibly. The workbook is done after."""
        title = workbook_title(self.summary.tenants, as_of)
        write_summary_sheet(
            self.summary_sheet,
            self.summary,
            title=title,
            source=source,
            detail=self.detail,
            exceptions=self.exceptions,
        )
        self.detail.finish()
        self.exceptions.finish()
        self._order_sheets([SUMMARY_TITLE, *self.detail.titles, *self.exceptions.titles])
        save_reproducibly(self.workbook, target, scratch=scratch, title=title, as_of=as_of)

    def discard(self) -> None:
        """After a failure: end each sheet's row stream and remove its temporary file now, not at exit."""
        for ws in self.workbook.worksheets:
            with suppress(Exception):
                if not ws.closed:
                    ws.close()
                writer = getattr(ws, "_writer", None)  # openpyxl's own temporary sheet file
                if writer is not None:
                    writer.cleanup()

    def _order_sheets(self, titles: list[str]) -> None:
        """A sheet split off Detail was created after Exceptions; move each sheet to its place."""
        for position, title in enumerate(titles):
            self.workbook.move_sheet(title, position - self.workbook.sheetnames.index(title))
