"""The Summary sheet: a title, what the workbook holds, then counts and amounts by branch and status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from core.money import paise_to_rupees
from core.reproducible_xlsx import column_pixels
from exports.reconciliation_summary import SUMMED_AMOUNTS, ReconciliationSummary, Totals
from exports.sheet_series import SheetSeries
from exports.workbook_styles import WorkbookStyles

SUMMARY_TITLE = "Summary"
CONFIDENTIALITY = (
    "Confidential financial data: payments, refunds and settlements with their payment, order, booking "
    "and settlement identifiers, which can be linked to patients. It holds no clinical data. "
    "Share only with the people who reconcile these payments."
)
HEADER_ROW = 7  # rows 1-5 say what the workbook is, row 6 is blank
HEADERS = ("Branch", "Status", "Count", *(f"{label} (₹)" for _, label in SUMMED_AMOUNTS))
WIDTHS = (16, 22, 10, *(18 for _ in SUMMED_AMOUNTS))
ALL_BRANCHES = "All branches"
ALL_STATUSES = "All statuses"


def workbook_title(tenants: set[str], as_of: date | None) -> str:
    tenant = ", ".join(sorted(tenants)) if tenants else "no rows"
    when = as_of.isoformat() if as_of else "date not known"
    return f"Payment reconciliation — {tenant} — as of {when}"


def sheet_note(series: SheetSeries, what: str) -> str:
    rows = f"{series.total_rows:,} row{'' if series.total_rows == 1 else 's'}"
    if len(series.sheets) == 1:
        return f"{series.base}: {what} ({rows}), on sheet {series.titles[0]}."
    return (
        f"{series.base}: {what} ({rows}), split across sheets {', '.join(series.titles)} because an Excel "
        f"sheet holds at most {series.rows_per_sheet + 1:,} rows including its header."
    )


def write_summary_sheet(
    ws: Worksheet,
    styles: WorkbookStyles,
    summary: ReconciliationSummary,
    *,
    title: str,
    source: str,
    detail: SheetSeries,
    exceptions: SheetSeries,
) -> None:
    for i, width in enumerate(WIDTHS):
        ws.set_column_pixels(i, i, column_pixels(width))
    ws.freeze_panes(HEADER_ROW, 0)
    ws.write_string(0, 0, title, styles.title)
    notes = [
        CONFIDENTIALITY,
        f"Source: {source}. Amounts in rupees (₹) from integer paise; counts are rows; "
        "timestamps in IST (Asia/Kolkata).",
        sheet_note(detail, "every row of the reconciliation"),
        sheet_note(exceptions, "every row whose status is not matched, with its reason and aging"),
    ]
    for row, note in enumerate(notes, 1):
        ws.write_string(row, 0, note)
    header = HEADER_ROW - 1  # 0-based from here on
    for column, text in enumerate(HEADERS):
        ws.write_string(header, column, text, styles.bold)

    branch_rows = summary.branch_status_rows()
    for row, (branch, status, totals) in enumerate(branch_rows, header + 1):
        write_totals(ws, row, styles, [branch, status], totals)
    ws.autofilter(header, 0, header + len(branch_rows), len(HEADERS) - 1)

    lines = [([ALL_BRANCHES, status], totals, False) for status, totals in summary.by_status()]
    lines.append(([ALL_BRANCHES, ALL_STATUSES], summary.grand_total(), True))
    first = header + len(branch_rows) + 2  # after a blank row: totals by status, then the grand total
    for row, (labels, totals, bold) in enumerate(lines, first):
        write_totals(ws, row, styles, labels, totals, bold=bold)


def write_totals(
    ws: Worksheet,
    row: int,
    styles: WorkbookStyles,
    labels: Sequence[str],
    totals: Totals,
    *,
    bold: bool = False,
) -> None:
    """`labels` (branch, status), the count, then each summed amount in rupees."""
    plain: Format | None = styles.bold if bold else None
    for column, label in enumerate(labels):
        ws.write_string(row, column, label, styles.text(label, plain))
    ws.write_number(row, len(labels), totals.count, plain)
    money = styles.bold_rupees if bold else styles.rupees
    for column, paise in enumerate(totals.amounts_paise, len(labels) + 1):
        ws.write_number(row, column, paise_to_rupees(paise), money)
