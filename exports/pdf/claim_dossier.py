"""The claim dossier: one PDF per insurance claim (or pre-authorisation), what a hospital's insurance desk
and finance read when they chase or close a claim. Its header (claim, insurer, TPA, branch, episode, state),
the amounts (requested, pre-auth approved, approved, deducted, paid net of TDS, TDS; the insurer's share
against the patient's), the timeline of its events in the fold's order (docs/claims.md: the replay's
order), the latest decision's deduction lines with their codes and reasons, and the remittance lines with
the bank match of each UTR (fct_claim_settlement_recon). Everything is read from the marts
(exports.claim_records)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from reportlab.platypus import Flowable, Spacer

from core.money import format_count, format_rupees
from core.pdf_fonts import register_fonts
from core.time import to_ist
from core.warehouse import Warehouse
from exports.claim_records import ClaimKey, ClaimRecord, claim_records
from exports.pdf import layout
from exports.pdf.layout import Column, data_table, long_table, text

DOSSIER_FOLDER = "claim_dossiers"
PAGESIZE = layout.PORTRAIT
CONTENTS = (
    "What this dossier holds: one insurance claim as MyMedic's claim marts know it. It is protected health "
    "information (PHI): the claim number, the hospital visit (episode) number and the episode id identify a "
    "patient's hospitalisation, and the insurer's deduction reasons may describe the treatment. It also holds "
    "financial data: amounts, the insurer's reason codes and the bank transfers' UTRs. It holds no patient "
    "name, no policy number and no clinical notes. Share only with the people who process this claim."
)
SIGNS = (
    "Amounts in rupees (₹) from exact integer paise. Paid is what the insurer transferred, net of TDS; "
    "paid + TDS is what it settled against the approved amount. The insurer's share is the approved amount; "
    "the patient's share is requested − approved once decided. Times are IST; the timeline is in the order "
    "the claim's state is computed (event time, then the lifecycle's order), not the order the events "
    "arrived in."
)
AMOUNT_COLUMNS = (Column("Amount"), Column("₹", numeric=True), Column("Note", wrap=1))
TIMELINE_COLUMNS = (
    Column("#", numeric=True),
    Column("Time (IST)"),
    Column("Event", wrap=1),
    Column("Source", wrap=1.2),
    Column("Amounts stated", wrap=1.4),
    Column("Reason / UTR", wrap=1.6),
    Column("State after", wrap=1),
)
DEDUCTION_COLUMNS = (Column("Code"), Column("Reason", wrap=1), Column("Amount (₹)", numeric=True))
REMITTANCE_COLUMNS = (
    Column("Time (IST)"),
    Column("UTR", wrap=1),
    Column("Paid (₹)", numeric=True),
    Column("TDS (₹)", numeric=True),
    Column("Source"),
)
RECON_COLUMNS = (
    Column("UTR", wrap=1),
    Column("Status"),
    Column("Settled (IST)"),
    Column("Paid + TDS (₹)", numeric=True),
    Column("Remitted + TDS (₹)", numeric=True),
    Column("Short by (₹)", numeric=True),
    Column("Under the UTR (₹)", numeric=True),
    Column("Bank credited (₹)", numeric=True),
    Column("Credit date"),
)
EVENT_AMOUNTS = (("requested", "requested_paise"), ("approved", "approved_paise"),
                 ("deducted", "deducted_paise"), ("paid", "paid_paise"), ("TDS", "tds_paise"))  # fmt: skip
STATUS_MEANING = {
    "matched": "the bank credits under the UTR are, to the paisa, what the insurer transferred under it",
    "short_paid": "paid + TDS is less than the approved amount",
    "bank_unmatched": "no bank credit carries the UTR, or the credits differ from what was transferred",
    "in_transit": "approved, not settled yet, within the settlement service level",
    "overdue": "approved, not settled, past the settlement service level",
    "orphan_remittance": "remittance lines under a UTR no settlement of the claim carries",
}
UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def dossier_path(out_dir: Path, tenant_id: str, claim_id: str) -> Path:
    """`out_dir/claim_dossiers/<tenant>/<claim>.pdf` (characters a file name cannot hold become `_`)."""
    return Path(out_dir) / DOSSIER_FOLDER / UNSAFE.sub("_", tenant_id) / f"{UNSAFE.sub('_', claim_id)}.pdf"


def write_claim_dossiers(
    warehouse: Warehouse,
    out_dir: Path,
    keys: Sequence[ClaimKey],
    *,
    export_id: str,
    generated_at: datetime,
) -> list[Path]:
    """Write one dossier per claim of `keys` ((tenant_id, claim_id)) and return their paths. The same data,
    export id and generated_at give the same bytes."""
    register_fonts()
    written = []
    for record in claim_records(warehouse, keys):
        tenant_id, claim_id = record.key
        written.append(
            layout.build_pdf(
                dossier_path(out_dir, tenant_id, claim_id),
                dossier_story(record, export_id=export_id, generated_at=generated_at),
                pagesize=PAGESIZE,
                title=f"Claim dossier {claim_id}",
                subject="Insurance claim dossier (contains PHI)",
                footer=f"Claim {claim_id} · PHI, confidential · export {export_id}",
                generated_at=generated_at,
            )
        )
    return written


def rupees(paise: int | None, missing: str = "—") -> str:
    return missing if paise is None else format_rupees(paise)


def when(value: datetime | None, missing: str = "—") -> str:
    return missing if value is None else layout.ist_text(value)


def count_text(count: int, noun: str) -> str:
    return f"1 {noun}" if count == 1 else f"{format_count(count)} {noun}s"


def table_time(value: datetime) -> str:
    """An IST time in a table whose header says IST: `08 Oct 2026 10:00`."""
    return to_ist(value).strftime("%d %b %Y %H:%M")


def words(code: str) -> str:
    return code.replace("_", " ") if code else "—"


def header_facts(record: ClaimRecord, export_id: str, generated_at: datetime) -> list[tuple[str, str]]:
    c = record.claim
    branch = f"{record.branch_name} ({c['branch_id']})" if record.branch_name else (c["branch_id"] or "—")
    episode = " · ".join(
        x for x in (c["episode_id"], f"visit {c['visit_number']}" if c["visit_number"] else "") if x
    )
    state = words(c["state"]) if c["state"] else "no lifecycle event (remittance lines only)"
    if c["state"] and c["state_entered_at"] is not None:
        state += f", since {layout.ist_text(c['state_entered_at'])}"
    if c["reason_code"]:
        state += f" (reason {c['reason_code']})"
    if c["open_queries"]:
        state += f"; {c['open_queries']} query open"
    facts = [
        ("Claim number", c["claim_id"]),
        ("Kind", "pre-authorisation" if c["claim_kind"] == "preauth" else "claim"),
        ("Chain (tenant)", c["tenant_id"]),
        ("Insurer", c["insurer"] or "—"),
        ("TPA", c["tpa"] or "none (direct or NHCX)"),
        ("Branch", branch),
        ("Episode", episode or "not linked to an episode"),
        ("State", state),
        ("Submitted", when(c["submitted_at"], "not submitted")),
        ("Decided", when(c["decided_at"], "not decided")),
        ("Settled", when(c["settled_at"], "not settled")),
    ]
    for label, hours, breached in (
        ("Decision service level", c["decision_sla_hours"], c["is_decision_sla_breached"]),
        ("Settlement service level", c["settlement_sla_hours"], c["is_settlement_sla_breached"]),
    ):
        if hours is not None:
            facts.append((label, f"{hours} h: {'breached' if breached else 'kept so far'}"))
    return [*facts, ("Generated", layout.ist_text(generated_at)), ("Export ID", export_id)]


def amount_rows(c: dict[str, Any]) -> list[list[str]]:
    settled = (
        None
        if c["paid_paise"] is None and c["tds_paise"] is None
        else (c["paid_paise"] or 0) + (c["tds_paise"] or 0)
    )
    rows = [
        ("Requested", c["requested_paise"], "the latest pre-auth request or claim submission"),
        ("Pre-auth approved", c["preauth_approved_paise"], "the latest pre-authorisation approval or enhancement"),
        ("Approved", c["approved_paise"], "the latest decision (0 for a denial)"),
        ("Deducted", c["deducted_paise"], "by the latest decision; the lines are below"),
        ("Paid (net of TDS)", c["paid_paise"], "transferred by the insurer, summed over settlements"),
        ("TDS", c["tds_paise"], "withheld by the insurer"),
        ("Paid + TDS", settled, "settled against the approved amount"),
        ("Remitted", c["remitted_paise"], "on the remittance advice lines"),
        ("Remitted TDS", c["remitted_tds_paise"], "on the remittance advice lines"),
        ("Insurer share", c["insurer_share_paise"], "the approved amount"),
        ("Patient share", c["patient_share_paise"], "requested − approved, once decided"),
        ("Patient paid (gateway)", c["patient_paid_paise"], "paid by the patient in the episode, through the payment gateway"),
    ]  # fmt: skip
    return [[label, rupees(paise), note] for label, paise, note in rows]


def timeline_rows(record: ClaimRecord) -> list[list[str]]:
    rows = []
    for e in record.events:
        stated = ", ".join(
            f"{name} {format_rupees(e[col])}" for name, col in EVENT_AMOUNTS if e[col] is not None
        )
        note = " ".join(x for x in (e["reason_code"], e["utr"]) if x)
        rows.append([str(e["event_seq"]), table_time(e["event_time"]), words(e["event_type"]), e["source"],
                     stated, note, words(e["state_after"])])  # fmt: skip
    return rows


def deduction_part(record: ClaimRecord) -> list[Flowable]:
    decision = record.decision
    width = layout.frame_width(PAGESIZE)
    if decision is None:
        return [text("Not decided yet: no deductions.", layout.BODY)]
    lines = record.deduction_lines()
    intro = (f"The decision ({words(decision['event_type'])}) of {layout.ist_text(decision['event_time'])} "
             f"deducted {rupees(decision['decided_deducted_paise'], '₹0.00')}.")  # fmt: skip
    if not lines:
        return [text(intro + " The insurer stated no deduction lines.", layout.BODY)]
    rows = [[line.code, line.reason, format_rupees(line.amount_paise)] for line in lines]
    rows.append([count_text(len(lines), "line"), "", format_rupees(sum(x.amount_paise for x in lines))])
    return [text(intro, layout.NOTE), data_table(DEDUCTION_COLUMNS, rows, width=width, total_rows=1)]


def remittance_part(record: ClaimRecord) -> list[Flowable]:
    width = layout.frame_width(PAGESIZE)
    part: list[Flowable] = []
    lines = record.events_of("remittance_line")
    if lines:
        rows = [[table_time(e["event_time"]), e["utr"], rupees(e["paid_paise"]), rupees(e["tds_paise"]),
                 e["source"]] for e in lines]  # fmt: skip
        rows.append([count_text(len(lines), 'line'), "", format_rupees(sum(e["paid_paise"] or 0 for e in lines)),
                     format_rupees(sum(e["tds_paise"] or 0 for e in lines)), ""])  # fmt: skip
        part += [text("The insurer's remittance advice lines for this claim:", layout.NOTE),
                 data_table(REMITTANCE_COLUMNS, rows, width=width, total_rows=1)]  # fmt: skip
    else:
        part.append(text("No remittance advice line for this claim.", layout.BODY))
    if not record.recon:
        part.append(
            text("No settlement reconciliation row: the claim is not approved, or not a claim.", layout.BODY)
        )
        return part
    rows = []
    for r in record.recon:
        rows.append([r["utr"] or "(not settled yet)", r["status"], table_time(r["settled_at"]) if r["settled_at"] else "—",
                     format_rupees(r["settled_paise"] + r["settled_tds_paise"]),
                     format_rupees(r["remitted_paise"] + r["remitted_tds_paise"]), format_rupees(r["short_by_paise"]),
                     format_rupees(r["utr_transferred_paise"]), format_rupees(r["bank_credited_paise"]),
                     r["bank_credit_date"].isoformat() if r["bank_credit_date"] else "—"])  # fmt: skip
    meanings = [
        f"{s}: {STATUS_MEANING[s]}."
        for s in dict.fromkeys(r["status"] for r in record.recon)
        if s in STATUS_MEANING
    ]
    part += [Spacer(1, 4), text("Each UTR matched to the bank (fct_claim_settlement_recon). " + " ".join(meanings),
                                layout.NOTE), data_table(RECON_COLUMNS, rows, width=width)]  # fmt: skip
    return part


def dossier_story(record: ClaimRecord, *, export_id: str, generated_at: datetime) -> list[Flowable]:
    """The dossier's flowables (public so that a test can measure its tables)."""
    width = layout.frame_width(PAGESIZE)
    c = record.claim
    return [
        text(f"Claim dossier {c['claim_id']}", layout.TITLE),
        data_table(
            (Column(""), Column("", wrap=1)),
            header_facts(record, export_id, generated_at),
            width=width,
            header=False,
        ),
        Spacer(1, 8),
        text(CONTENTS, layout.SMALL),
        text(SIGNS, layout.SMALL),
        text("Amounts", layout.HEADING),
        data_table(AMOUNT_COLUMNS, amount_rows(c), width=width),
        text(f"Timeline ({count_text(len(record.events), 'event')})", layout.HEADING),
        *long_table(TIMELINE_COLUMNS, timeline_rows(record), width=width),
        text("Deductions", layout.HEADING),
        *deduction_part(record),
        text("Remittance and bank", layout.HEADING),
        *remittance_part(record),
    ]
