"""The finance workbook: Summary, Detail (every row) and Exceptions (every row not matched).

Detail and Exceptions rows are rendered to XML files as they stream in (`exports.sheet_series`), so a mart
of millions of rows needs little memory and about a minute per million rows. Saving makes the workbook
with XlsxWriter (Summary from totals added up while the rows went by, the other sheets' headers) and
splices the rendered rows into it (`core.reproducible_xlsx`).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from core.reproducible_xlsx import document_time, new_workbook, repackage
from exports.mart_columns import PAISE_SUFFIX, ColumnKind, MartColumn
from exports.reconciliation_summary import MATCHED, ReconciliationSummary
from exports.sheet_rows import RowRenderer
from exports.sheet_series import EXCEL_MAX_ROWS, SheetColumn, SheetSeries
from exports.summary_sheet import SUMMARY_TITLE, workbook_title, write_summary_sheet
from exports.workbook_styles import WorkbookStyles

DETAIL_TITLE = "Detail"
EXCEPTIONS_TITLE = "Exceptions"


def sheet_column(column: MartColumn) -> SheetColumn:
    """Header and width of a mart column on Detail and Exceptions (the number format goes with its kind)."""
    name = column.name
    if column.kind is ColumnKind.MONEY_PAISE:
        header = f"{name.removesuffix(PAISE_SUFFIX)} (₹)"
        return SheetColumn(header, max(len(header) + 2, 16))
    if column.kind is ColumnKind.TIMESTAMP:
        header = f"{name} (IST)"
        return SheetColumn(header, max(len(header) + 2, 20))
    if column.kind is ColumnKind.DATE:
        return SheetColumn(name, max(len(name) + 2, 12))
    if column.kind is ColumnKind.INTEGER:
        return SheetColumn(name, max(len(name) + 2, 10))
    return SheetColumn(name, 60 if name.endswith("_reason") else max(len(name) + 2, 22))


class ReconciliationWorkbook:
    """`add_rows` as they stream in, then `save` once; `discard` after a failure. Scratch files go to a
    folder in `work_dir` (the system's temporary folder by default)."""

    def __init__(
        self,
        columns: Sequence[MartColumn],
        *,
        max_rows_per_sheet: int = EXCEL_MAX_ROWS,
        work_dir: Path | None = None,
    ) -> None:
        self.summary = ReconciliationSummary(columns)
        self._folder = Path(tempfile.mkdtemp(prefix=".xlsx-rows.", dir=work_dir))
        self._renderer = RowRenderer([c.kind for c in columns])
        sheet_columns = [sheet_column(c) for c in columns]
        self.detail, self.exceptions = (
            SheetSeries(title, sheet_columns, self._folder, max_rows=max_rows_per_sheet)
            for title in (DETAIL_TITLE, EXCEPTIONS_TITLE)
        )

    def add_rows(self, rows: Iterable[Sequence[object]]) -> None:
        """One block of rows, in export order (rendered together, so keep blocks to thousands of rows)."""
        block = rows if isinstance(rows, Sequence) else list(rows)
        bodies = self._renderer.bodies(block)
        add = self.summary.add
        self.detail.append_rows(bodies)
        self.exceptions.append_rows(
            [body for row, body in zip(block, bodies, strict=True) if add(row) != MATCHED]
        )

    def save(self, target: Path, *, scratch: Path, as_of: date | None, source: str) -> None:
        """Write the workbook to `target` via the scratch file `scratch`. The workbook is done after."""
        try:
            title = workbook_title(self.summary.tenants, as_of)
            workbook = new_workbook(scratch, title=title, as_of=as_of, tmpdir=self._folder)
            styles = WorkbookStyles.of(workbook)
            write_summary_sheet(
                workbook.add_worksheet(SUMMARY_TITLE),
                styles,
                self.summary,
                title=title,
                source=source,
                detail=self.detail,
                exceptions=self.exceptions,
            )
            rows = {
                **self.detail.add_sheets(workbook.add_worksheet, styles.header),
                **self.exceptions.add_sheets(workbook.add_worksheet, styles.header),
            }
            workbook.close()
            repackage(scratch, target, timestamp=document_time(as_of), sheet_rows=rows)
        finally:
            self.discard()

    def discard(self) -> None:
        """Close the row files and remove the scratch folder (after `save`, or after a failure)."""
        self.detail.close()
        self.exceptions.close()
        shutil.rmtree(self._folder, ignore_errors=True)
