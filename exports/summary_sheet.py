"""The Summary sheet: a title, what the workbook holds, the money in and out, then counts and amounts by
status and by branch, each split into payments, refunds and unmatched gateway lines, signed (payments +,
refunds −, fees −)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from core.money import format_count, paise_to_rupees
from core.reproducible_xlsx import column_pixels
from exports.entity_types import entity_label
from exports.reconciliation_summary import (
    SIGNED_LABELS,
    ZERO,
    MoneyFlow,
    ReconciliationSummary,
    SignedAmounts,
    Totals,
    money_flow,
    signed,
)
from exports.workbook_styles import WorkbookStyles, print_setup

SUMMARY_TITLE = "Summary"
CONFIDENTIALITY = (
    "Confidential financial data: payments, refunds and settlements with their payment, order, booking "
    "and settlement identifiers, which can be linked to patients. It holds no clinical data. "
    "Share only with the people who reconcile these payments."
)
SIGNS = (
    "Amounts in rupees (₹) from exact integer paise, signed as money for the chain: payments and what "
    "Razorpay pays out are positive, refunds and gateway fees negative, so payments + refunds = net booked "
    "and, on every line, gateway amount + fee incl. GST = net settled. The Detail sheets show amounts as "
    "booked and as Razorpay states them (a refund as a positive amount). Dates and times are IST."
)
TABLE_HEADERS = ("Branch", "Status", "Type", "Count", *SIGNED_LABELS)
WIDTHS = (30, 20, 25, 8, 18, 18, 16, 15, 15, 18)
ALL_BRANCHES = "All branches"
ALL_STATUSES = "All statuses"
ALL_TYPES = "All types"
LINE_HEIGHT = 15  # points per line of wrapped note text
NOTE_CHARS_PER_LINE = int(sum(WIDTHS) * 1.1)  # roughly, in the default font across the merged columns


def workbook_title(tenants: set[str], as_of: date | None) -> str:
    tenant = ", ".join(sorted(tenants)) if tenants else "no rows"
    when = as_of.isoformat() if as_of else "date not known"
    return f"Payment reconciliation — {tenant} — as of {when}"


def rows_text(count: int) -> str:
    return f"{format_count(count)} row{'' if count == 1 else 's'}"


class SummaryWriter:
    """Writes the sheet top to bottom; `row` is the next free row (0-based)."""

    def __init__(self, ws: Worksheet, styles: WorkbookStyles) -> None:
        self.ws, self.styles, self.row = ws, styles, 0

    def note(self, text: str, fmt: Format | None = None) -> None:
        last = len(WIDTHS) - 1
        lines = max(1, math.ceil(len(text) / NOTE_CHARS_PER_LINE))
        self.ws.set_row(self.row, LINE_HEIGHT * lines)  # before the cells: the sheet is written in order
        self.ws.merge_range(self.row, 0, self.row, last, text, fmt or self.styles.wrapped)
        self.row += 1

    def section(self, title: str) -> None:
        self.row += 1
        self.ws.write_string(self.row, 0, title, self.styles.section)
        self.row += 1

    def money(self, column: int, paise: int, *, bold: bool = False) -> None:
        self.ws.write_number(self.row, column, paise_to_rupees(paise), self.styles.money(paise, bold=bold))

    def flow_line(self, label: str, count: int | None, paise: int, *, bold: bool = False) -> None:
        plain = self.styles.bold if bold else None
        self.ws.write_string(self.row, 0, label, plain)
        if count is not None:
            self.ws.write_number(self.row, 3, count, plain)
        self.money(4, paise, bold=bold)
        self.row += 1

    def table_header(self) -> int:
        self.ws.set_row(self.row, 30)
        for column, text in enumerate(TABLE_HEADERS):
            self.ws.write_string(self.row, column, text, self.styles.header)
        self.row += 1
        return self.row - 1

    def table_line(
        self, labels: Sequence[str], count: int, amounts: SignedAmounts, *, bold: bool = False
    ) -> None:
        plain = self.styles.bold if bold else None
        for column, label in enumerate(labels):
            self.ws.write_string(self.row, column, label, self.styles.text(label, plain))
        self.ws.write_number(self.row, len(labels), count, plain)
        for column, paise in enumerate(amounts.values(), len(labels) + 1):
            self.money(column, paise, bold=bold)
        self.row += 1


def write_summary_sheet(
    ws: Worksheet,
    styles: WorkbookStyles,
    summary: ReconciliationSummary,
    *,
    title: str,
    source: str,
    sheet_notes: Sequence[str],
) -> None:
    for i, width in enumerate(WIDTHS):
        ws.set_column_pixels(i, i, column_pixels(width))
    print_setup(ws, header_rows=(0, 0))
    out = SummaryWriter(ws, styles)
    ws.write_string(0, 0, title, styles.title)
    out.row = 1
    out.note(CONFIDENTIALITY)
    out.note(f"Source: {source}. {SIGNS}")
    for note in sheet_notes:
        out.note(note)

    write_money_flow(out, money_flow(summary))

    out.section("By status, all branches")
    out.table_header()
    by_type: dict[str, tuple[Totals, SignedAmounts]] = {}
    for status, entity, totals in summary.by_status_type():
        amounts = signed(entity, totals)
        out.table_line([ALL_BRANCHES, status, entity_label(entity)], totals.count, amounts)
        count, total = by_type.get(entity, (Totals(), ZERO))
        count.merge(totals)
        by_type[entity] = (count, total.plus(amounts))
    grand_count, grand = 0, ZERO
    for entity, (totals, amounts) in by_type.items():
        out.table_line([ALL_BRANCHES, ALL_STATUSES, entity_label(entity)], totals.count, amounts, bold=True)
        grand_count, grand = grand_count + totals.count, grand.plus(amounts)
    out.table_line([ALL_BRANCHES, ALL_STATUSES, ALL_TYPES], grand_count, grand, bold=True)

    out.section("By branch and status")
    header = out.table_header()
    for branch, status, entity, totals in summary.by_branch_status_type():
        out.table_line([branch.label, status, entity_label(entity)], totals.count, signed(entity, totals))
    ws.autofilter(header, 0, out.row - 1, len(TABLE_HEADERS) - 1)


def write_money_flow(out: SummaryWriter, flow: MoneyFlow) -> None:
    out.section("Money in and out (₹)")
    out.ws.write_string(out.row, 3, "Count", out.styles.header)
    out.ws.write_string(out.row, 4, "Amount (₹)", out.styles.header)
    out.row += 1
    out.flow_line("Payments booked", *flow.payments_booked)
    out.flow_line("Refunds booked", *flow.refunds_booked)
    out.flow_line("Net booked (payments − refunds)", None, flow.net_booked, bold=True)
    out.row += 1
    out.flow_line("Payments settled by Razorpay (gross)", *flow.payments_settled)
    out.flow_line("Refunds deducted by Razorpay", *flow.refunds_deducted)
    out.flow_line("Razorpay fees incl. GST on them", None, flow.fees_incl_tax)
    out.flow_line("    of which MDR fee", None, flow.fees)
    out.flow_line("    of which GST", None, flow.taxes)
    out.flow_line("Unmatched gateway lines (their net)", *flow.unmatched_lines)
    out.flow_line("Net settled by Razorpay", None, flow.net_settled, bold=True)
