"""A small hand-made clinic chain whose every row exercises one rule of docs/reconciliation.md.

Two branches (BLR01, MUM01), four Razorpay settlements, as_of 2026-10-30. The expected statuses,
amounts and daily settlement numbers in test_reconciliation_marts.py are worked out by hand from
these rows (the arithmetic is in the comments), not computed by the code under test.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from core.warehouse import Warehouse
from ingestion.feeds.bank_statements.spec import LINES as BANK_STATEMENT_LINES
from ingestion.feeds.booking_events.spec import EVENTS as BOOKING_EVENTS
from ingestion.feeds.razorpay_settlements.spec import LINES as RAZORPAY_SETTLEMENT_LINES
from ingestion.feeds.reference.spec import BRANCHES as REFERENCE_BRANCHES
from ingestion.feeds.reference.spec import DOCTORS as REFERENCE_DOCTORS
from ingestion.feeds.reference.spec import GATEWAY_CONTRACTS as REFERENCE_GATEWAY_CONTRACTS
from ingestion.spec import TableSpec as RawTable

TENANT = "t_dbt"
AS_OF = "2026-10-30"
FIRST_LOAD = datetime(2026, 10, 1, tzinfo=UTC)
LATER_LOAD = datetime(2026, 10, 20, tzinfo=UTC)


def utc(text: str) -> datetime:
    """'2026-10-10 04:00' -> an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- reference data -------------------------------------------------------------------------------
# (tenant_id, branch_id, branch_name, city, state), loaded_at
BRANCHES = [
    (("BLR01", "Indiranagar", "Bengaluru", "Karnataka"), FIRST_LOAD),
    (("MUM01", "Andheri", "Mumbai", "Maharashtra"), FIRST_LOAD),
    (("BLR01", "Indiranagar Clinic", "Bengaluru", "Karnataka"), LATER_LOAD),  # renamed later
]
DOCTORS = [
    (("doc_1", "BLR01", "Dr. Rao", "cardiology", 50000), FIRST_LOAD),
    (("doc_2", "MUM01", "Dr. Shah", "dermatology", 60000), FIRST_LOAD),
    (("doc_2", "MUM01", "Dr. Shah", "dermatology", 65000), LATER_LOAD),  # fee raised later
]
# (gateway, method, mdr_bps, gst_bps, settlement_days, refund_sla_days)
CONTRACTS = [
    (("razorpay", "upi", 50, 1800, 2, 5), FIRST_LOAD),
    (("razorpay", "card", 150, 1800, 2, 7), FIRST_LOAD),
    (("razorpay", "netbanking", 190, 1800, 3, 7), FIRST_LOAD),
    (("razorpay", "card", 200, 1800, 2, 7), LATER_LOAD),  # card MDR renegotiated: 200 bps wins
]

# --- captured payments ----------------------------------------------------------------------------
# payment_id: (branch, order_id, method, booked amount, captured_at UTC)
PAYMENTS: dict[str, tuple[str, str, str, int, datetime]] = {
    "pay_matched": ("BLR01", "order_matched", "card", 50000, utc("2026-10-10 04:00")),
    "pay_fee_1p": ("BLR01", "order_fee_1p", "card", 30000, utc("2026-10-10 04:30")),
    "pay_round": ("BLR01", "order_round", "upi", 1300, utc("2026-10-10 05:00")),
    "pay_amt": ("BLR01", "order_amt", "card", 50000, utc("2026-10-10 05:30")),
    "pay_fee": ("BLR01", "order_fee", "upi", 20000, utc("2026-10-10 06:00")),
    "pay_dup_first": ("BLR01", "order_dup", "upi", 10000, utc("2026-10-10 05:00")),
    "pay_dup_second": ("BLR01", "order_dup", "upi", 10000, utc("2026-10-10 05:10")),
    "pay_bankdiff": ("BLR01", "order_bankdiff", "card", 25000, utc("2026-10-18 03:00")),
    "pay_mum_base": ("MUM01", "order_mum_base", "upi", 60000, utc("2026-10-05 06:00")),
    "pay_nobank": ("MUM01", "order_nobank", "upi", 40000, utc("2026-10-13 06:00")),
    # 20:00 UTC on 28 Oct is 01:30 IST on 29 Oct: captured_date 2026-10-29, age 1
    "pay_transit": ("BLR01", "order_transit", "upi", 15000, utc("2026-10-28 20:00")),
    # 19:00 UTC on 27 Oct is 00:30 IST on 28 Oct: age 2 = T+2, still in transit (UTC would say 3)
    "pay_edge": ("BLR01", "order_edge", "card", 10000, utc("2026-10-27 19:00")),
    "pay_overdue": ("MUM01", "order_overdue", "upi", 8000, utc("2026-10-20 06:00")),
    # order_capmis was first captured for 1 paisa (pay_capmis_1p, below): this right capture pays it
    "pay_capmis_ok": ("BLR01", "order_capmis", "upi", 15000, utc("2026-10-29 04:00")),
}

# --- captures whose amount or currency is not their order's (payment.capture.mismatched) ----------------
# payment_id: (branch, order_id, method, order amount, captured amount, captured currency, captured_at UTC)
MISMATCHED: dict[str, tuple[str, str, str, int, int, str, datetime]] = {
    "pay_capmis_1p": ("BLR01", "order_capmis", "upi", 15000, 1, "INR", utc("2026-10-29 03:00")),
    "pay_capmis_usd": ("BLR01", "order_capusd", "card", 15000, 15000, "USD", utc("2026-10-28 03:00")),
}

# --- refunds (payment.refund.initiated) -----------------------------------------------------------
# refund_id: (payment_id, amount, initiated_at UTC)
REFUNDS: dict[str, tuple[str, int, datetime]] = {
    "rfnd_ok": ("pay_dup_second", 10000, utc("2026-10-10 06:00")),
    "rfnd_amt": ("pay_matched", 20000, utc("2026-10-16 05:00")),
    "rfnd_fee": ("pay_fee_1p", 5000, utc("2026-10-17 05:00")),
    "rfnd_nobank": ("pay_mum_base", 10000, utc("2026-10-13 07:00")),
    "rfnd_transit": ("pay_mum_base", 5000, utc("2026-10-27 06:00")),
    "rfnd_overdue": ("pay_matched", 3000, utc("2026-09-25 06:00")),
}

# --- Razorpay settlements -------------------------------------------------------------------------
# settlement_id: (utr, settled_at UTC)
SETTLEMENTS = {
    # 20:00 UTC on 11 Oct is 12 Oct in IST: settlement_date 2026-10-12
    "setl_BLR_1012": ("UTIBN62026101200001", utc("2026-10-11 20:00")),
    "setl_BLR_1020": ("UTIBN62026102000003", utc("2026-10-20 06:00")),
    "setl_MUM_1007": ("HDFCN52026100700004", utc("2026-10-07 06:00")),
    "setl_MUM_1015": ("HDFCN52026101500002", utc("2026-10-15 06:00")),
}
# (settlement_id, type, entity_id, payment_id, amount, fee incl. GST, GST, debit, created_at, notes)
# credit = amount - fee for payment lines, 0 otherwise.
LINES: list[tuple[str, str, str, str, int, int, int, int, datetime, dict[str, str]]] = [
    # card 50000 @ 200 bps (the later contract version) = 1000 + 18% GST 180
    ("setl_BLR_1012", "payment", "pay_matched", "pay_matched", 50000, 1180, 180, 0, utc("2026-10-10 04:00"), {}),
    # card 30000 @ 200 bps = 600 + 108; the gateway charged 601 + 108: off by one paisa, tolerated
    ("setl_BLR_1012", "payment", "pay_fee_1p", "pay_fee_1p", 30000, 709, 108, 0, utc("2026-10-10 04:30"), {}),
    # upi 1300 @ 50 bps = 6.5 -> 7 (half up); GST 7 * 18% = 1.26 -> 1
    ("setl_BLR_1012", "payment", "pay_round", "pay_round", 1300, 8, 1, 0, utc("2026-10-10 05:00"), {}),
    # booked 50000, settled 45000; fee on the gateway amount: 900 + 162
    ("setl_BLR_1012", "payment", "pay_amt", "pay_amt", 45000, 1062, 162, 0, utc("2026-10-10 05:30"), {}),
    # upi 20000 @ 50 bps = 100 + 18; the gateway charged 150 + 27
    ("setl_BLR_1012", "payment", "pay_fee", "pay_fee", 20000, 177, 27, 0, utc("2026-10-10 06:00"), {}),
    ("setl_BLR_1012", "payment", "pay_dup_first", "pay_dup_first", 10000, 59, 9, 0, utc("2026-10-10 05:00"), {}),
    ("setl_BLR_1012", "payment", "pay_dup_second", "pay_dup_second", 10000, 59, 9, 0,
     utc("2026-10-10 05:10"), {}),
    ("setl_BLR_1012", "refund", "rfnd_ok", "pay_dup_second", 10000, 0, 0, 10000, utc("2026-10-10 06:00"), {}),
    # an adjustment with no notes: its branch is the settlement's (BLR01)
    ("setl_BLR_1012", "adjustment", "adj_1", "", 500, 0, 0, 500, utc("2026-10-11 10:00"), {}),
    # card 25000 @ 200 bps = 500 + 90
    ("setl_BLR_1020", "payment", "pay_bankdiff", "pay_bankdiff", 25000, 590, 90, 0, utc("2026-10-18 03:00"), {}),
    # refund of 200.00, the gateway deducted 150.00
    ("setl_BLR_1020", "refund", "rfnd_amt", "pay_matched", 15000, 0, 0, 15000, utc("2026-10-16 05:00"), {}),
    # a refund charged a fee of 1.00 + 0.18 GST (debited with it)
    ("setl_BLR_1020", "refund", "rfnd_fee", "pay_fee_1p", 5000, 118, 18, 5118, utc("2026-10-17 05:00"), {}),
    # upi 60000 @ 50 bps = 300 + 54
    ("setl_MUM_1007", "payment", "pay_mum_base", "pay_mum_base", 60000, 354, 54, 0, utc("2026-10-05 06:00"), {}),
    # upi 40000 @ 50 bps = 200 + 36
    ("setl_MUM_1015", "payment", "pay_nobank", "pay_nobank", 40000, 236, 36, 0, utc("2026-10-13 06:00"), {}),
    ("setl_MUM_1015", "refund", "rfnd_nobank", "pay_mum_base", 10000, 0, 0, 10000, utc("2026-10-13 07:00"), {}),
    # a payment the bookings never saw; its notes name MUM01
    ("setl_MUM_1015", "payment", "pay_ghost", "pay_ghost", 7000, 41, 6, 0, utc("2026-10-13 08:00"),
     {"booking_id": "bk_unknown", "branch_id": "MUM01"}),
    # a refund of a payment the bookings never saw, no notes: the settlement's branch (MUM01)
    ("setl_MUM_1015", "refund", "rfnd_ghost", "pay_unknown", 2000, 0, 0, 2000, utc("2026-10-14 06:00"), {}),
]  # fmt: skip

# --- bank statement -------------------------------------------------------------------------------
# (txn_date, narration, debit, credit)
BANK = [
    (date(2026, 10, 7), "NEFT CR HDFCN52026100700004 RAZORPAY PAYMENTS", 0, 59646),
    (date(2026, 10, 9), "RENT OCT 2026", 5_000_000, 0),
    (date(2026, 10, 12), "NEFT-UTIBN62026101200001-RAZORPAY SOFTWARE PVT LTD", 0, 152546),
    (date(2026, 10, 14), "CASH DEPOSIT BLR", 0, 100000),
    # 1.00 short of setl_BLR_1020's net (4292)
    (date(2026, 10, 20), "IMPS/UTIBN62026102000003/RAZORPAY", 0, 4192),
    # setl_MUM_1015 (UTR HDFCN52026101500002) never reaches the bank
]


def _events() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []

    def add(event_type: str, branch: str, booking: str, at: datetime, data: dict[str, Any]) -> None:
        events.append(
            {
                "event_id": f"evt_{len(events) + 1:04d}",
                "specversion": "1.0",
                "event_type": event_type,
                "source": f"mymedic/booking/{branch}",
                "subject": booking,
                "event_time": at,
                "datacontenttype": "application/json",
                "tenant_id": TENANT,
                "branch_id": branch,
                "data": json.dumps(data),
            }
        )

    for payment_id, (branch, order_id, method, amount, captured) in PAYMENTS.items():
        booking = f"bk_{order_id.removeprefix('order_')}"
        doctor = "doc_1" if branch == "BLR01" else "doc_2"
        booked = {"booking_id": booking, "patient_id": "pt_1", "branch_id": branch, "doctor_id": doctor,
                  "slot_start": "2026-11-02T05:00:00Z", "visit_type": "in_person", "fee_paise": amount}  # fmt: skip
        if payment_id != "pay_dup_second":
            add("appointment.booked", branch, booking, captured, booked)
        paid = {"payment_id": payment_id, "order_id": order_id, "booking_id": booking, "patient_id": "pt_1",
                "branch_id": branch, "amount_paise": amount, "currency": "INR", "method": method,
                "gateway": "razorpay", "captured_at": captured.isoformat().replace("+00:00", "Z")}  # fmt: skip
        add("payment.deposit.paid", branch, booking, captured, paid)
        if payment_id == "pay_matched":  # the same capture delivered twice under a new event id
            add("payment.deposit.paid", branch, booking, captured, paid)

    for payment_id, (branch, order_id, method, booked, captured_paise, currency, at) in MISMATCHED.items():
        booking = f"bk_{order_id.removeprefix('order_')}"
        if order_id not in {p[1] for p in PAYMENTS.values()}:
            add("appointment.booked", branch, booking, at, {
                "booking_id": booking, "patient_id": "pt_1", "branch_id": branch, "doctor_id": "doc_1",
                "slot_start": "2026-11-02T05:00:00Z", "visit_type": "in_person", "fee_paise": booked})  # fmt: skip
        add("payment.capture.mismatched", branch, booking, at, {
            "payment_id": payment_id, "order_id": order_id, "booking_id": booking, "patient_id": "pt_1",
            "branch_id": branch, "purpose": "deposit", "amount_paise": captured_paise, "currency": currency,
            "order_amount_paise": booked, "order_currency": "INR", "method": method, "gateway": "razorpay",
            "captured_at": at.isoformat().replace("+00:00", "Z")})  # fmt: skip

    for refund_id, (payment_id, amount, initiated) in REFUNDS.items():
        branch, order_id = PAYMENTS[payment_id][0], PAYMENTS[payment_id][1]
        booking = f"bk_{order_id.removeprefix('order_')}"
        data = {
            "refund_id": refund_id,
            "payment_id": payment_id,
            "amount_paise": amount,
            "reason": "cancelled",
        }
        add("payment.refund.initiated", branch, booking, initiated, data)
        add("payment.refund.issued", branch, booking, initiated.replace(hour=12), data)

    # the latest event: 19:00 UTC on 29 Oct is 30 Oct in IST, so the data's latest IST date is 2026-10-30
    add("appointment.completed", "BLR01", "bk_matched", utc("2026-10-29 19:00"), {"booking_id": "bk_matched"})
    return events


def _settlement_lines(utrs: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for settlement_id, line_type, entity_id, payment_id, amount, fee, tax, debit, created, notes in LINES:
        utr, settled_at = SETTLEMENTS[settlement_id]
        utr = utrs.get(settlement_id, utr)
        method = (
            PAYMENTS[payment_id][2] if payment_id in PAYMENTS else ("upi" if line_type == "payment" else "")
        )
        order_id = PAYMENTS[payment_id][1] if payment_id in PAYMENTS and line_type == "payment" else ""
        rows.append(
            {
                "tenant_id": TENANT,
                "entity_id": entity_id,
                "type": line_type,
                "debit": debit,
                "credit": amount - fee if line_type == "payment" else 0,
                "amount": amount,
                "currency": "INR",
                "fee": fee,
                "tax": tax,
                "on_hold": 0,
                "settled": 1,
                "created_at": created,
                "settled_at": settled_at,
                "settlement_id": settlement_id,
                "posted_at": settled_at,
                "credit_type": "default",
                "description": "",
                "notes": json.dumps(notes),
                "payment_id": payment_id,
                "settlement_utr": utr,
                "order_id": order_id,
                "order_receipt": "",
                "method": method,
                "card_network": "",
                "card_issuer": "",
                "card_type": "",
                "dispute_id": "",
            }
        )
    return rows


def _bank_lines() -> list[dict[str, Any]]:
    balance = 10_000_000
    rows = []
    for txn_date, narration, debit, credit in BANK:
        balance += credit - debit
        rows.append(
            {
                "tenant_id": TENANT,
                "account_number": "50100012345678",
                "txn_date": txn_date,
                "value_date": txn_date,
                "narration": narration,
                "ref_no": "",
                "debit_paise": debit,
                "credit_paise": credit,
                "balance_paise": balance,
            }
        )
    return rows


def _reference(table: RawTable, versions: list[tuple[tuple, datetime]]) -> list[dict[str, Any]]:
    names = table.column_names
    return [
        {**dict(zip(names, (TENANT, *values), strict=True)), "_loaded_at": loaded_at}
        for values, loaded_at in versions
    ]


def insert(warehouse: Warehouse, table: RawTable, rows: list[dict[str, Any]]) -> None:
    names = [*table.column_names, "_batch_id", "_source_file", "_source_line", "_loaded_at"]
    data = [
        [
            *(row[n] for n in table.column_names),
            f"batch_{table.name}",
            f"{table.name}.test",
            line,
            row.get("_loaded_at", FIRST_LOAD),
        ]
        for line, row in enumerate(rows, 1)
    ]
    warehouse.client.insert(f"{warehouse.db('raw')}.{table.name}", data, column_names=names)
    commit(warehouse, f"batch_{table.name}", table.name, len(rows))


def commit(warehouse: Warehouse, batch_id: str, feed: str, rows: int) -> None:
    """Write the load_ledger row that commits `batch_id`, as the loader does after a file's rows: dbt's
    staging models read only committed batches."""
    now = datetime.now(UTC)
    warehouse.client.insert(
        f"{warehouse.db('raw')}.load_ledger",
        [[batch_id, feed, f"{feed}.test", batch_id, 0, "loaded", "", rows, rows, 0, 0, now, now]],
        column_names=["_batch_id", "feed", "source_file", "content_sha256", "file_bytes", "status", "note",
                      "rows_read", "rows_loaded", "rows_quarantined", "rows_skipped", "started_at",
                      "finished_at"],
    )  # fmt: skip


def load(warehouse: Warehouse, *, utrs: dict[str, str] | None = None, bank: bool = True) -> None:
    """Insert the whole scenario into the (already created) raw tables. `utrs` gives settlements other
    UTRs than SETTLEMENTS; `bank=False` leaves the bank statement out (a test loads its own files)."""
    insert(warehouse, BOOKING_EVENTS, _events())
    insert(warehouse, RAZORPAY_SETTLEMENT_LINES, _settlement_lines(utrs or {}))
    if bank:
        insert(warehouse, BANK_STATEMENT_LINES, _bank_lines())
    insert(warehouse, REFERENCE_BRANCHES, _reference(REFERENCE_BRANCHES, BRANCHES))
    insert(warehouse, REFERENCE_DOCTORS, _reference(REFERENCE_DOCTORS, DOCTORS))
    insert(warehouse, REFERENCE_GATEWAY_CONTRACTS, _reference(REFERENCE_GATEWAY_CONTRACTS, CONTRACTS))
