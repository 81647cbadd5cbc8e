"""The finance workbook: Summary; Exceptions (rows someone must act on); Open items (not yet due: in
transit within their settlement cycle or refund SLA); Detail (every row); Branch settlements (the payout of
each branch and IST day against the bank); Quarantine (input records that were not loaded); Legend (what
each status means and what to do).

Rows are rendered to XML files as they stream in (`exports.sheet_series`), so a mart of millions of rows
needs little memory and about a minute per million rows. Saving makes the workbook with XlsxWriter (Summary
from totals added up while the rows went by, Legend, the other sheets' headers) and splices the rendered
rows into it (`core.reproducible_xlsx`).
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from xlsxwriter.worksheet import Worksheet

from core.money import format_count
from core.reproducible_xlsx import SheetRows, column_pixels, document_time, new_workbook, repackage
from exports.column_labels import ACTION_LABELS, BRANCH_DAY_LABELS, QUARANTINE_LABELS, RECONCILIATION_LABELS
from exports.export_columns import ExportColumn
from exports.mart_columns import ColumnKind
from exports.reconciliation_summary import ReconciliationSummary
from exports.sheet_series import EXCEL_MAX_ROWS, SheetSeries
from exports.status_legend import LEGEND, StatusGroup, status_group
from exports.summary_sheet import LINE_HEIGHT, SUMMARY_TITLE, rows_text, workbook_title, write_summary_sheet
from exports.table_sheet import TableSheet, layout_renderer
from exports.workbook_styles import WorkbookStyles, print_setup

DETAIL_TITLE = "Detail"
EXCEPTIONS_TITLE = "Exceptions"
OPEN_ITEMS_TITLE = "Open items"
BRANCH_DAYS_TITLE = "Branch settlements"
QUARANTINE_TITLE = "Quarantine"
LEGEND_TITLE = "Legend"
QUARANTINE_NOTE = (
    "Input records that were not loaded, from every committed load: the reconciliation could not use "
    "them, so any may belong to this period. Shown: feed, file, line and reason only; the record itself "
    "stays in raw.quarantine because it can hold patient-linked data."
)
LEGEND_HEADERS = ("Status", "Group", "What it means", "What to do", "Rows")
LEGEND_WIDTHS = (20, 11, 60, 60, 10)


class ReconciliationWorkbook:
    """`add_rows` as they stream in, then optionally `branch_days` / `quarantine` rows, then `save` once;
    `discard` after a failure. Scratch files go to a folder in `work_dir` (the system's temporary folder
    by default)."""

    def __init__(
        self,
        columns: Sequence[ExportColumn],
        *,
        max_rows_per_sheet: int = EXCEL_MAX_ROWS,
        work_dir: Path | None = None,
    ) -> None:
        self.summary = ReconciliationSummary([c.name for c in columns])
        self._folder = Path(tempfile.mkdtemp(prefix=".xlsx-rows.", dir=work_dir))
        self._max_rows = max_rows_per_sheet
        names, kinds = [c.name for c in columns], [c.kind for c in columns]
        hidden = [c.name for c in columns if not c.on_sheets]
        self._renderer, detail_columns = layout_renderer(names, kinds, RECONCILIATION_LABELS, hidden=hidden)
        self._action_renderer, action_columns = layout_renderer(
            names, kinds, ACTION_LABELS, hidden=hidden, only_labelled=True
        )
        self.exceptions, self.open_items = (
            SheetSeries(title, action_columns, self._folder, max_rows=max_rows_per_sheet)
            for title in (EXCEPTIONS_TITLE, OPEN_ITEMS_TITLE)
        )
        self.detail = SheetSeries(DETAIL_TITLE, detail_columns, self._folder, max_rows=max_rows_per_sheet)
        self.branch_days: TableSheet | None = None
        self.quarantine = TableSheet(
            QUARANTINE_TITLE,
            ["feed", "file", "line", "reason"],
            [ColumnKind.TEXT, ColumnKind.TEXT, ColumnKind.INTEGER, ColumnKind.TEXT],
            QUARANTINE_LABELS,
            self._folder,
            max_rows=max_rows_per_sheet,
            note=QUARANTINE_NOTE,
        )

    def add_rows(self, rows: Iterable[Sequence[object]]) -> None:
        """One block of rows, in export order (rendered together, so keep blocks to thousands of rows)."""
        block = rows if isinstance(rows, Sequence) else list(rows)
        self.detail.append_rows(self._renderer.bodies(block))
        add = self.summary.add
        groups = [status_group(add(row)) for row in block]
        for series, wanted in ((self.exceptions, StatusGroup.EXCEPTION), (self.open_items, StatusGroup.OPEN)):
            chosen = [row for row, group in zip(block, groups, strict=True) if group is wanted]
            series.append_rows(self._action_renderer.bodies(chosen))

    def start_branch_days(self, columns: Sequence[ExportColumn]) -> TableSheet:
        """The Branch settlements sheet, for rows of `marts.fct_branch_daily_settlements`."""
        self.branch_days = TableSheet(
            BRANCH_DAYS_TITLE,
            [c.name for c in columns],
            [c.kind for c in columns],
            BRANCH_DAY_LABELS,
            self._folder,
            max_rows=self._max_rows,
        )
        return self.branch_days

    def sheet_notes(self) -> list[str]:
        notes = [
            series_note(self.exceptions, "rows someone must act on (see Legend for each status)"),
            series_note(
                self.open_items,
                "rows not yet due: in transit within their settlement cycle or refund SLA, not exceptions",
            ),
            series_note(self.detail, "every row of the reconciliation"),
        ]
        if self.branch_days is not None:
            notes.append(
                series_note(self.branch_days.series, "each branch's payout per IST day against the bank")
            )
        notes.append(series_note(self.quarantine.series, "input records that were not loaded, and why"))
        notes.append(f"{LEGEND_TITLE}: what each status means and what to do about it.")
        return notes

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
                sheet_notes=self.sheet_notes(),
            )
            rows: dict[str, SheetRows] = {}
            series = [self.exceptions, self.open_items, self.detail]
            if self.branch_days is not None:
                series.append(self.branch_days.series)
            series.append(self.quarantine.series)
            for one in series:
                rows.update(one.add_sheets(workbook.add_worksheet, styles.header, styles.wrapped))
            write_legend_sheet(workbook.add_worksheet(LEGEND_TITLE), styles, self.summary)
            workbook.close()
            repackage(scratch, target, timestamp=document_time(as_of), sheet_rows=rows)
        finally:
            self.discard()

    def discard(self) -> None:
        """Close the row files and remove the scratch folder (after `save`, or after a failure)."""
        for series in (self.detail, self.exceptions, self.open_items, self.quarantine.series):
            series.close()
        if self.branch_days is not None:
            self.branch_days.series.close()
        shutil.rmtree(self._folder, ignore_errors=True)


def series_note(series: SheetSeries, what: str) -> str:
    rows = rows_text(series.total_rows)
    if len(series.sheets) == 1:
        return f"{series.base}: {what} ({rows})."
    return (
        f"{series.base}: {what} ({rows}), split across sheets {', '.join(series.titles)} because an Excel "
        f"sheet holds at most {format_count(EXCEL_MAX_ROWS)} rows."
    )


def write_legend_sheet(ws: Worksheet, styles: WorkbookStyles, summary: ReconciliationSummary) -> None:
    """Every status of the legend: what it means, what to do, and how many rows have it."""
    counts: dict[str, int] = {}
    for (_, status, _), totals in summary.totals.items():
        counts[status] = counts.get(status, 0) + totals.count
    for i, width in enumerate(LEGEND_WIDTHS):
        ws.set_column_pixels(i, i, column_pixels(width))
    print_setup(ws, header_rows=(0, 0))
    ws.freeze_panes(1, 0)
    ws.set_row(0, 20)
    for column, header in enumerate(LEGEND_HEADERS):
        ws.write_string(0, column, header, styles.header)
    for row, meaning in enumerate(LEGEND, 1):
        lines = max(
            math.ceil(len(text) / (LEGEND_WIDTHS[2] * 1.1)) for text in (meaning.meaning, meaning.action)
        )
        ws.set_row(row, LINE_HEIGHT * max(1, lines))
        ws.write_string(row, 0, meaning.status, styles.wrapped)
        ws.write_string(row, 1, meaning.group.value, styles.wrapped)
        ws.write_string(row, 2, meaning.meaning, styles.wrapped)
        ws.write_string(row, 3, meaning.action, styles.wrapped)
        ws.write_number(row, 4, counts.get(meaning.status, 0), styles.wrapped)
