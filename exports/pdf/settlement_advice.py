"""The settlement advice: one PDF per gateway settlement, what a branch's accountant ticks against the
bank statement. The settlement's id, gateway, branch, settled date and UTR, the bank credit and its
date, every line (type, entity, gross, fee incl. GST, net; signed: payments +, refunds and fees −) with
totals, and whether the payout ties to the bank."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from reportlab.platypus import Flowable, Spacer

from core.money import format_count, format_rupees
from core.pdf_fonts import register_fonts
from core.time import to_ist
from core.warehouse import Warehouse
from exports.entity_types import entity_order
from exports.pdf import layout
from exports.pdf.layout import Column, data_table, text
from exports.pdf.statement_data import (
    COLUMN,
    BranchDay,
    BranchInfo,
    Settlement,
    days_by_settlement,
    known_branches,
    settlements,
)
from exports.reconciliation_summary import SUMMED_COLUMNS, ZERO, SignedAmounts, Totals, signed
from exports.summary_sheet import CONFIDENTIALITY

ADVICE_FOLDER = "settlement_advice"
PAGESIZE = layout.PORTRAIT
CONTENTS = (
    "This advice holds one gateway settlement as reconciled by MyMedic: its lines with their Razorpay "
    "payment, refund and booking identifiers and amounts, its payout and the bank credit that carries its "
    "UTR. It holds no patient names and no clinical data. Amounts in rupees (₹) from exact integer paise: "
    "payments positive, refunds and gateway fees negative; gross + fee incl. GST = net on every line. "
    "Dates and times are IST."
)
LINE_COLUMNS = (
    Column("Type"),
    Column("Razorpay ID", wrap=1),
    Column("Booking ID", wrap=1),
    Column("Status"),
    Column("Gross (₹)", numeric=True),
    Column("Fee incl. GST (₹)", numeric=True),
    Column("Net (₹)", numeric=True),
)
UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def advice_path(out_dir: Path, settlement_id: str) -> Path:
    """`out_dir/settlement_advice/<settlement_id>.pdf` (characters a file name cannot hold become `_`)."""
    return Path(out_dir) / ADVICE_FOLDER / f"{UNSAFE.sub('_', settlement_id)}.pdf"


def write_settlement_advices(
    warehouse: Warehouse,
    out_dir: Path,
    *,
    settlement_ids: Sequence[str] | None = None,
    export_id: str,
    generated_at: datetime,
) -> list[Path]:
    """Write one advice per settlement (default: every settlement in the mart) and return the paths."""
    register_fonts()
    branches = known_branches(warehouse)
    days = days_by_settlement(warehouse)  # before streaming: chDB runs one query at a time
    written = []
    for settlement in settlements(warehouse, settlement_ids):
        branch_id = str(settlement.first("branch_id") or "")
        branch = branches.get(branch_id) or BranchInfo(
            str(settlement.first("tenant_id") or ""), branch_id, ""
        )
        story = advice_story(settlement, branch, days.get(settlement.settlement_id), export_id=export_id,
                             generated_at=generated_at)  # fmt: skip
        written.append(
            layout.build_pdf(
                advice_path(out_dir, settlement.settlement_id),
                story,
                pagesize=PAGESIZE,
                title=f"Settlement advice {settlement.settlement_id}",
                subject="Gateway settlement advice",
                footer=f"Settlement {settlement.settlement_id} · export {export_id}",
                generated_at=generated_at,
            )
        )
    return written


def line_amounts(row: Sequence[object]) -> SignedAmounts:
    totals = Totals()
    totals.add([row[COLUMN[name]] for name in SUMMED_COLUMNS])  # type: ignore[misc]
    return signed(str(row[COLUMN["entity_type"]]), totals)


def bank_tie(lines_net: int, day: BranchDay | None, settlement: Settlement) -> list[tuple[str, str]]:
    """The payout, the bank credit and its date, and whether they tie (the mart's verdict, from
    fct_branch_daily_settlements), as (label, text) facts."""
    credit_date = day.bank_credit_date if day else settlement.first("bank_credit_date")
    date_text = credit_date.isoformat() if credit_date else "no credit found"
    if day is None:
        return [("Net payout (lines)", format_rupees(lines_net)), ("Bank credited", "not known"),
                ("Bank credit date", date_text),
                ("Ties to the bank", "Not known: no branch payout day names this settlement")]  # fmt: skip
    if day.settlement_count > 1:
        together = f" (the branch's {day.settlement_count} settlements of {day.settlement_date.isoformat()} together)"
        tie = "Yes: every settlement of the day was credited in full" if day.is_bank_matched else (
            f"No: the day's payouts {format_rupees(day.net)}, credited {format_rupees(day.bank_credited)}")  # fmt: skip
        return [("Net payout (lines)", format_rupees(lines_net)),
                ("Bank credited", format_rupees(day.bank_credited) + together),
                ("Bank credit date", date_text), ("Ties to the bank", tie)]  # fmt: skip
    if day.bank_credited == 0:
        tie = "No: no bank credit carries the settlement's UTR"
    elif day.is_bank_matched:
        tie = "Yes: the bank credited the payout in full"
    else:
        more = "more" if day.difference > 0 else "less"
        tie = f"No: the bank credited {format_rupees(abs(day.difference))} {more} than the payout"
    facts = [("Net payout", format_rupees(day.net))]
    if lines_net != day.net:
        facts.append(("Lines' net", f"{format_rupees(lines_net)}: {format_rupees(abs(lines_net - day.net))} "
                      f"{'more' if lines_net > day.net else 'less'} than the payout; see the exceptions"))  # fmt: skip
    return [*facts, ("Bank credited", format_rupees(day.bank_credited)), ("Bank credit date", date_text),
            ("Ties to the bank", tie)]  # fmt: skip


def advice_story(
    settlement: Settlement,
    branch: BranchInfo,
    day: BranchDay | None,
    *,
    export_id: str,
    generated_at: datetime,
) -> list[Flowable]:
    rows = sorted(settlement.rows, key=lambda r: (entity_order(str(r[COLUMN["entity_type"]])),
                                                   str(r[COLUMN["entity_id"]])))  # fmt: skip
    lines: list[list[str]] = []
    total = ZERO
    for row in rows:
        amounts = line_amounts(row)
        total = total.plus(amounts)
        lines.append([
            str(row[COLUMN["entity_type"]]).replace("_", " "), str(row[COLUMN["entity_id"]]),
            str(row[COLUMN["booking_id"]] or ""), str(row[COLUMN["status"]]),
            format_rupees(amounts.gateway), format_rupees(amounts.fee_incl_tax), format_rupees(amounts.net),
        ])  # fmt: skip
    lines.append([f"{format_count(len(rows))} lines", "", "", "", format_rupees(total.gateway),
                  format_rupees(total.fee_incl_tax), format_rupees(total.net)])  # fmt: skip
    settled_at = settlement.settled_at
    facts = [
        ("Settlement ID", settlement.settlement_id),
        ("Gateway", settlement.gateway or "not recorded in the marts"),
        ("Chain (tenant)", branch.tenant_id),
        ("Branch", branch.label or "(branch not known)"),
        ("Settled (IST)", layout.ist_text(settled_at) if settled_at else "not known"),
        ("Settled date (IST)", to_ist(settled_at).date().isoformat() if settled_at else "not known"),
        ("UTR", str(settlement.first("settlement_utr") or "none")),
        *bank_tie(total.net, day, settlement),
        ("Generated", layout.ist_text(generated_at)),
        ("Export ID", export_id),
    ]
    width = layout.frame_width(PAGESIZE)
    return [
        text("Settlement advice", layout.TITLE),
        data_table((Column(""), Column("", wrap=1)), facts, width=width, header=False),
        Spacer(1, 8),
        text(CONTENTS, layout.SMALL),
        text(CONFIDENTIALITY, layout.SMALL),
        text("Lines", layout.HEADING),
        data_table(LINE_COLUMNS, lines, width=width, total_rows=1),
    ]
