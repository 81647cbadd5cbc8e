"""The branch monthly reconciliation statement: one PDF per branch and IST month, for the branch's
finance lead. A cover (chain, branch, period, when it was generated, what the document holds), the
reconciliation by status signed as on the workbook's Summary (`exports.reconciliation_summary`), the
payouts by day against the bank, and every exception with its reason and age.

The month's rows are the reconciliation rows whose event (capture, refund initiation, gateway line) has
its IST date in the month; the exceptions listed are those rows whose status is in the legend's exception
group, so the list and the summary's counts agree."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from reportlab.platypus import Flowable, PageBreak, Spacer

from core.money import format_count, format_rupees
from core.pdf_fonts import register_fonts
from core.warehouse import Warehouse
from exports.entity_types import GATEWAY_LINE, entity_label, money_sign
from exports.pdf import layout
from exports.pdf.layout import Column, data_table, long_table, text
from exports.pdf.statement_data import (
    COLUMN,
    ROW_COLUMNS,
    BranchDay,
    BranchInfo,
    branch_days,
    chosen_branches,
    month_range,
    month_rows,
)
from exports.reconciliation_summary import (
    SIGNED_LABELS,
    ZERO,
    ReconciliationSummary,
    SignedAmounts,
    Totals,
    signed,
)
from exports.status_legend import StatusGroup, status_group, status_order
from exports.summary_sheet import CONFIDENTIALITY

STATEMENTS_FOLDER = "statements"
PAGESIZE = layout.LANDSCAPE
CONTENTS = (
    "This statement holds the branch's payments, refunds and gateway settlement lines of the month as "
    "reconciled by MyMedic: counts and amounts by status, each day's payout with its settlement id, UTR "
    "and bank credit, and every exception with its Razorpay, booking and settlement identifiers, amounts, "
    "reason and age. It holds no patient names and no clinical data."
)
SIGNS = (
    "Amounts in rupees (₹) from exact integer paise, signed as money for the branch: payments and payouts "
    "are positive, refunds and gateway fees negative (as on the workbook's Summary sheet). Dates and "
    "times are IST. The month's rows are those whose capture, refund initiation or gateway line falls in "
    "the month (IST); their status is as of the reconciliation's as-of date."
)
SUMMARY_COLUMNS = (
    Column("Status"),
    Column("Type"),
    Column("Count", numeric=True),
    *(Column(label, numeric=True) for label in SIGNED_LABELS),
)
DAY_COLUMNS = (
    Column("Settlement date"),
    Column("Settlement ID", wrap=1),
    Column("UTR", wrap=1),
    Column("Payments gross (₹)", numeric=True),
    Column("Fee incl. GST (₹)", numeric=True),
    Column("Refunds (₹)", numeric=True),
    Column("Adjustments (₹)", numeric=True),
    Column("Net payout (₹)", numeric=True),
    Column("Bank credited (₹)", numeric=True),
    Column("Bank − payout (₹)", numeric=True),
    Column("Credit date"),
    Column("Ties"),
)
EXCEPTION_COLUMNS = (
    Column("Status"),
    Column("Type"),
    Column("Razorpay ID"),
    Column("Booking ID"),
    Column("Booked (₹)", numeric=True),
    Column("Net settled (₹)", numeric=True),
    Column("Event date"),
    Column("Age (days)", numeric=True),
    Column("Aging"),
    Column("Reason", wrap=1),
)


def statement_path(out_dir: Path, month: date, branch_id: str) -> Path:
    return Path(out_dir) / STATEMENTS_FOLDER / f"{month:%Y-%m}" / f"{branch_id}.pdf"


def write_branch_statements(
    warehouse: Warehouse,
    out_dir: Path,
    month: date,
    *,
    branches: Sequence[str] | None = None,
    export_id: str,
    generated_at: datetime,
) -> list[Path]:
    """Write `out_dir/statements/<yyyy-mm>/<branch_id>.pdf` for each branch (default: every branch the
    marts know) and return their paths. The same data, export id and generated_at give the same bytes."""
    month_range(month)  # a first-of-month date, else ValueError
    register_fonts()
    written = []
    for branch in chosen_branches(warehouse, branches):
        rows = month_rows(warehouse, branch.branch_id, month)
        days = branch_days(warehouse, branch.branch_id, month)
        story = statement_story(branch, month, rows, days, export_id=export_id, generated_at=generated_at)
        path = statement_path(out_dir, month, branch.branch_id)
        written.append(
            layout.build_pdf(
                path,
                story,
                pagesize=PAGESIZE,
                title=f"Reconciliation statement {branch.label} {month:%B %Y}",
                subject="Branch monthly payment reconciliation statement",
                footer=f"{branch.label} · {month:%B %Y} · export {export_id}",
                generated_at=generated_at,
            )
        )
    return written


def statement_story(
    branch: BranchInfo,
    month: date,
    rows: Sequence[Sequence[object]],
    days: Sequence[BranchDay],
    *,
    export_id: str,
    generated_at: datetime,
) -> list[Flowable]:
    """The statement's flowables (public so that a test can measure its tables)."""
    summary = ReconciliationSummary(list(ROW_COLUMNS))
    for row in rows:
        summary.add(row)
    exceptions = sorted(
        (r for r in rows if status_group(str(r[COLUMN["status"]])) is StatusGroup.EXCEPTION),
        key=lambda r: (status_order(str(r[COLUMN["status"]])), -int(r[COLUMN["age_days"]] or 0),
                       str(r[COLUMN["entity_id"]])),
    )  # fmt: skip
    width = layout.frame_width(PAGESIZE)
    story: list[Flowable] = cover(branch, month, summary, days, len(exceptions), export_id, generated_at)
    story += [PageBreak(), text("Reconciliation by status", layout.HEADING)]
    story.append(
        data_table(
            SUMMARY_COLUMNS, summary_lines(summary), width=width, total_rows=summary_total_rows(summary)
        )
    )
    story += [text("Settlements by day", layout.HEADING)]
    if days:
        story.append(data_table(DAY_COLUMNS, day_lines(days), width=width, total_rows=1))
    else:
        story.append(text("No settlement paid this branch out in the month."))
    story += [text(f"Exceptions ({format_count(len(exceptions))})", layout.HEADING)]
    if exceptions:
        story.append(text("What someone must act on, by status and oldest first; what to do about each "
                          "status is in the workbook's Legend sheet.", layout.NOTE))  # fmt: skip
        story += long_table(EXCEPTION_COLUMNS, exception_lines(exceptions), width=width)
    else:
        story.append(text("No exceptions in the month."))
    return story


def cover(
    branch: BranchInfo,
    month: date,
    summary: ReconciliationSummary,
    days: Sequence[BranchDay],
    exception_count: int,
    export_id: str,
    generated_at: datetime,
) -> list[Flowable]:
    start, end = month_range(month)
    last = date.fromordinal(end.toordinal() - 1)
    place = ", ".join(p for p in (branch.city, branch.state) if p)
    facts = [
        ("Chain (tenant)", branch.tenant_id),
        ("Branch", branch.name or "(no name in the reference data)"),
        ("Branch ID", branch.branch_id + (f" · {place}" if place else "")),
        ("Period (IST)", f"{start:%d %B %Y} – {last:%d %B %Y}"),
        ("Generated", layout.ist_text(generated_at)),
        ("Export ID", export_id),
    ]
    totals = {entity: signed(entity, t) for entity, t in summary.by_type().items()}
    net_settled = sum(a.net for a in totals.values())
    key_figures = [
        ("Rows reconciled", format_count(summary.count())),
        ("Net booked (payments − refunds)", format_rupees(sum(a.booked for a in totals.values()))),
        ("Net settled by the gateway", format_rupees(net_settled)),
        ("Payouts in the month / credited by the bank",
         f"{format_rupees(sum(d.net for d in days))} / {format_rupees(sum(d.bank_credited for d in days))}"),
        ("Exceptions to act on", format_count(exception_count)),
    ]  # fmt: skip
    width = layout.frame_width(PAGESIZE)
    return [
        text("Branch reconciliation statement", layout.TITLE),
        data_table((Column(""), Column("", wrap=1)), facts, width=width * 0.6, header=False),
        Spacer(1, 10),
        text("Key figures", layout.HEADING),
        data_table((Column(""), Column("", numeric=True)), key_figures, width=width * 0.6, header=False),
        Spacer(1, 12),
        text("What this document holds", layout.HEADING),
        text(CONTENTS),
        text(CONFIDENTIALITY),
        text(SIGNS),
    ]


def _amounts(amounts: SignedAmounts) -> list[str]:
    return [format_rupees(v) for v in amounts.values()]


def summary_lines(summary: ReconciliationSummary) -> list[list[str]]:
    """By status and type, then per type over all statuses, then all rows (as the workbook's Summary)."""
    lines: list[list[str]] = []
    by_type: dict[str, tuple[Totals, SignedAmounts]] = {}
    for status, entity, totals in summary.by_status_type():
        amounts = signed(entity, totals)
        lines.append([status, entity_label(entity), format_count(totals.count), *_amounts(amounts)])
        count, total = by_type.get(entity, (Totals(), ZERO))
        count.merge(totals)
        by_type[entity] = (count, total.plus(amounts))
    grand_count, grand = 0, ZERO
    for entity, (totals, amounts) in by_type.items():
        lines.append(["All statuses", entity_label(entity), format_count(totals.count), *_amounts(amounts)])
        grand_count, grand = grand_count + totals.count, grand.plus(amounts)
    lines.append(["All statuses", "All types", format_count(grand_count), *_amounts(grand)])
    return lines


def summary_total_rows(summary: ReconciliationSummary) -> int:
    return len(summary.by_type()) + 1


def day_lines(days: Sequence[BranchDay]) -> list[list[str]]:
    lines = []
    for d in days:
        lines.append([
            d.settlement_date.isoformat(), ", ".join(d.settlement_ids), ", ".join(d.settlement_utrs),
            format_rupees(d.gross), format_rupees(-(d.fee + d.tax)), format_rupees(-d.refunds),
            format_rupees(d.adjustments), format_rupees(d.net), format_rupees(d.bank_credited),
            format_rupees(d.difference), d.bank_credit_date.isoformat() if d.bank_credit_date else "none",
            "yes" if d.is_bank_matched else "NO",
        ])  # fmt: skip
    ties = sum(d.is_bank_matched for d in days)
    lines.append([
        f"{format_count(len(days))} days", "", "", format_rupees(sum(d.gross for d in days)),
        format_rupees(-sum(d.fee + d.tax for d in days)), format_rupees(-sum(d.refunds for d in days)),
        format_rupees(sum(d.adjustments for d in days)), format_rupees(sum(d.net for d in days)),
        format_rupees(sum(d.bank_credited for d in days)), format_rupees(sum(d.difference for d in days)),
        "", f"{ties} of {len(days)}",
    ])  # fmt: skip
    return lines


def exception_lines(rows: Sequence[Sequence[object]]) -> list[list[str]]:
    c = COLUMN
    lines = []
    for r in rows:
        entity = str(r[c["entity_type"]])
        booked, net = r[c["booked_amount_paise"]], r[c["net_settled_paise"]]
        lines.append([
            str(r[c["status"]]), entity.replace("_", " "), str(r[c["entity_id"]]), str(r[c["booking_id"]] or ""),
            "" if booked is None or entity == GATEWAY_LINE else format_rupees(money_sign(entity) * int(booked)),
            "" if net is None else format_rupees(int(net)),
            str(r[c["event_date"]]), str(r[c["age_days"]]), str(r[c["aging_bucket"]] or ""),
            str(r[c["exception_reason"]] or ""),
        ])  # fmt: skip
    return lines
