"""The Summary sheet: a title, what the workbook holds, then counts and amounts by branch and status."""

from __future__ import annotations

from datetime import date

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from exports.cell_values import paise_to_rupees
from exports.reconciliation_summary import SUMMED_AMOUNTS, ReconciliationSummary, Totals
from exports.sheet_series import HEADER_FONT, SheetSeries

SUMMARY_TITLE = "Summary"
RUPEE_FORMAT = '"₹"#,##0.00'
CONFIDENTIALITY = (
    "Confidential financial data: payments, refunds and settlements with their payment, order, booking "
    "and settlement identifiers, which can be linked to patients. It holds no clinical data. "
    "Share only with the people who reconcile these payments."
)
HEADER_ROW = 7  # rows 1-5 say what the workbook is, row 6 is blank
FREEZE_BELOW_HEADER = f"A{HEADER_ROW + 1}"
HEADERS = ("Branch", "Status", "Count", *(f"{label} (₹)" for _, label in SUMMED_AMOUNTS))
WIDTHS = (16, 22, 10, *(18 for _ in SUMMED_AMOUNTS))
ALL_BRANCHES = "All branches"
ALL_STATUSES = "All statuses"
TITLE_FONT = Font(bold=True, size=14)


def workbook_title(tenants: set[str], as_of: date | None) -> str:
    tenant = ", ".join(sorted(tenants)) if tenants else "no rows"
    when = as_of.isoformat() if as_of else "date not known"
    return f"Payment reconciliation — {tenant} — as of {when}"


def prepare_summary_sheet(ws: WriteOnlyWorksheet) -> None:
    """Widths and frozen panes; a write-only sheet takes them only before its first row."""
    for i, width in enumerate(WIDTHS, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = FREEZE_BELOW_HEADER


def sheet_note(series: SheetSeries, what: str) -> str:
    rows = f"{series.total_rows:,} row{'' if series.total_rows == 1 else 's'}"
    if len(series.sheets) == 1:
        return f"{series.base}: {what} ({rows}), on sheet {series.titles[0]}."
    return (
        f"{series.base}: {what} ({rows}), split across sheets {', '.join(series.titles)} because an Excel "
        f"sheet holds at most {series.rows_per_sheet + 1:,} rows including its header."
    )


def write_summary_sheet(
    ws: WriteOnlyWorksheet,
    summary: ReconciliationSummary,
    *,
    title: str,
    source: str,
    detail: SheetSeries,
    exceptions: SheetSeries,
) -> None:
    ws.append([styled(ws, title, TITLE_FONT)])
    ws.append([CONFIDENTIALITY])
    ws.append(
        [
            f"Source: {source}. Amounts in rupees (₹) from integer paise; counts are rows; "
            "timestamps in IST (Asia/Kolkata)."
        ]
    )
    ws.append([sheet_note(detail, "every row of the reconciliation")])
    ws.append([sheet_note(exceptions, "every row whose status is not matched, with its reason and aging")])
    ws.append([])
    ws.append([styled(ws, header, HEADER_FONT) for header in HEADERS])

    branch_rows = summary.branch_status_rows()
    for branch, status, totals in branch_rows:
        ws.append(totals_row(ws, branch, status, totals))
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(HEADERS))}{HEADER_ROW + len(branch_rows)}"

    ws.append([])
    for status, totals in summary.by_status():
        ws.append(totals_row(ws, ALL_BRANCHES, status, totals))
    ws.append(totals_row(ws, ALL_BRANCHES, ALL_STATUSES, summary.grand_total(), font=HEADER_FONT))


def styled(
    ws: WriteOnlyWorksheet, value: object, font: Font | None = None, number_format: str | None = None
) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value)
    if font is not None:
        cell.font = font
    if number_format is not None:
        cell.number_format = number_format
    return cell


def totals_row(
    ws: WriteOnlyWorksheet, branch: str, status: str, totals: Totals, *, font: Font | None = None
) -> list[WriteOnlyCell]:
    return [
        styled(ws, branch, font),
        styled(ws, status, font),
        styled(ws, totals.count, font),
        *(styled(ws, paise_to_rupees(paise), font, RUPEE_FORMAT) for paise in totals.amounts_paise),
    ]
