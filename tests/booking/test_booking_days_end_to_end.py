"""A small chain's realistic days, driven through the real service; the outbox and gateway settlement
files built from the same payments go through the foundation pipeline, and the reconciliation ties out.

Six days (Thu 1 – Tue 6 October 2026) at two branches: bookings from the portal, deposits paid by signed
Razorpay webhooks, abandoned checkouts, reschedules, cancellations with refunds (issued by webhook),
completions with balance payments, no-shows, tele visits run by the meeting provider's webhooks.
Settlements: T+2 IST per branch, fee incl. GST per the contract, up to Wed 7 October; each settlement's
net is credited to the bank with its UTR. Payments captured on 6 October are still in transit.
"""

from __future__ import annotations

import csv
import heapq
import itertools
import json
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from booking_harness import TENANT, Harness, directory
from sqlalchemy import select

from booking.domain.clock import IST
from booking.infra.db import Database
from booking.infra.models import Booking, Payment, Refund
from booking.infra.outbox import export_events
from sampledata.model import GST_BPS, MDR_BPS, REFUND_SLA_DAYS, SETTLEMENT_DAYS
from sampledata.money import apply_bps, rupees
from sampledata.settlements import HEADER as RECON_HEADER

pytestmark = pytest.mark.slow

FIRST_DAY = date(2026, 10, 1)
LAST_DAY = date(2026, 10, 6)
LAST_SETTLEMENT_DAY = date(2026, 10, 7)
BOOKINGS_PER_BRANCH_DAY = 6
METHODS, METHOD_WEIGHTS = ("upi", "card", "wallet", "netbanking"), (60, 22, 9, 9)


def ist(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), IST)


@dataclass(order=True)
class _Action:
    at: datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


class Chain:
    """The patients and the front desk of the chain, acting on the service as time passes."""

    def __init__(self, harness: Harness, seed: int) -> None:
        self.h = harness
        self.rng = random.Random(seed)
        self.queue: list[_Action] = []
        self.seq = itertools.count()
        self.end = ist(LAST_DAY, 23, 59)
        self.stats: defaultdict[str, int] = defaultdict(int)
        self.staff = harness.staff_headers()
        self.doctors = {
            b.branch_id: [d.doctor_id for d in b.doctors] for b in directory().tenants[0].branches
        }

    def at(self, when: datetime, action: Callable[[], None]) -> None:
        if when <= self.end:
            heapq.heappush(self.queue, _Action(when, next(self.seq), action))

    def run(self) -> None:
        for day in (FIRST_DAY + timedelta(days=n) for n in range((LAST_DAY - FIRST_DAY).days + 1)):
            for branch in self.doctors:
                for _ in range(BOOKINGS_PER_BRANCH_DAY):
                    minute = self.rng.randrange(8 * 60, 20 * 60)
                    self.at(ist(day, minute // 60, minute % 60), lambda b=branch: self.book(b))
        while self.queue:
            action = heapq.heappop(self.queue)
            self.h.clock.set(action.at)
            action.run()

    def later(self, minutes: tuple[int, int]) -> datetime:
        return self.h.clock.now() + timedelta(minutes=self.rng.randint(*minutes))

    def method(self) -> str:
        return self.rng.choices(METHODS, METHOD_WEIGHTS)[0]

    def free_slot(self, doctor_id: str, visit_type: str, days: tuple[int, int]) -> str | None:
        now = self.h.clock.now()
        for ahead in self.rng.sample(range(days[0], days[1] + 1), days[1] - days[0] + 1):
            day = now.astimezone(IST).date() + timedelta(days=ahead)
            slots = self.h.get(
                f"/v1/doctors/{doctor_id}/slots", date=day.isoformat(), visit_type=visit_type
            ).json()
            soon = now + timedelta(hours=1)
            slots = [s["slot_start"] for s in slots if datetime.fromisoformat(s["slot_start"]) > soon]
            if slots:
                return self.rng.choice(slots)
        return None

    # ---- a patient books ----
    def book(self, branch_id: str) -> None:
        doctor_id = self.rng.choice(self.doctors[branch_id])
        visit_type = "tele" if self.rng.random() < 0.2 else "in_person"
        slot_start = self.free_slot(doctor_id, visit_type, (0, 3))
        if slot_start is None:
            return
        body = {
            "branch_id": branch_id,
            "doctor_id": doctor_id,
            "slot_start": slot_start,
            "visit_type": visit_type,
            "patient": {"name": "Patient", "phone": f"9{self.rng.randrange(10**9):09d}"},
            "channel": self.rng.choice(["portal", "whatsapp", "qr", "widget"]),
        }
        response = self.h.post("/v1/bookings", body)
        assert response.status_code == 201, response.text
        booking = response.json()
        self.stats["booked"] += 1
        order = booking["orders"][0]
        if self.rng.random() < 0.05:  # checkout abandoned: the desk cancels the hold
            self.at(self.later((30, 45)), lambda: self.cancel(booking["booking_id"], "payment_not_completed"))
            return
        method = self.method()
        self.at(self.later((2, 10)), lambda: self.pay_deposit(booking, order, method))

    def pay_deposit(self, booking: dict[str, Any], order: dict[str, Any], method: str) -> None:
        self.h.pay(order["order_id"], order["amount_paise"], method=method)
        self.stats["deposits"] += 1
        fate = self.rng.random()
        if fate < 0.10:
            self.at(self.later((20, 240)), lambda: self.reschedule(booking, method))
        else:
            self.decide(booking, method)

    def decide(self, booking: dict[str, Any], method: str) -> None:
        slot_start = datetime.fromisoformat(booking["slot_start"])
        fate = self.rng.random()
        if fate < 0.13:
            latest = max(slot_start - timedelta(minutes=30), self.h.clock.now() + timedelta(minutes=5))
            span = max(int((latest - self.h.clock.now()).total_seconds() // 60), 5)
            when = self.h.clock.now() + timedelta(minutes=self.rng.randint(5, span))
            reason = self.rng.choice(
                ["patient_request", "patient_request", "doctor_unavailable", "schedule_conflict"]
            )
            self.at(when, lambda: self.cancel(booking["booking_id"], reason))
        elif fate < 0.22:
            self.at(slot_start + timedelta(minutes=40), lambda: self.no_show(booking["booking_id"]))
        elif booking["visit_type"] == "tele":
            self.at(slot_start + timedelta(minutes=1), lambda: self.tele(booking, "tele.session.started"))
            self.at(slot_start + timedelta(minutes=13), lambda: self.tele(booking, "tele.session.completed"))
        else:
            self.at(
                slot_start + timedelta(minutes=self.rng.randint(12, 25)),
                lambda: self.complete(booking, method),
            )

    def reschedule(self, booking: dict[str, Any], method: str) -> None:
        slot_start = self.free_slot(booking["doctor_id"], booking["visit_type"], (1, 3))
        if slot_start is None:
            self.decide(booking, method)
            return
        response = self.h.post(f"/v1/bookings/{booking['booking_id']}/reschedule", {"slot_start": slot_start})
        assert response.status_code == 200, response.text
        self.stats["rescheduled"] += 1
        self.decide(response.json(), method)

    def cancel(self, booking_id: str, reason: str) -> None:
        headers = self.staff if reason in ("payment_not_completed", "doctor_unavailable") else None
        response = self.h.post(f"/v1/bookings/{booking_id}/cancel", {"reason": reason}, headers=headers)
        assert response.status_code == 200, response.text
        self.stats["cancelled"] += 1
        for refund in response.json()["refunds"]:
            self.stats["refunds"] += 1
            self.at(self.later((60, 240)), lambda r=refund: self.refund_processed(r))

    def refund_processed(self, refund: dict[str, Any]) -> None:
        assert self.h.refund_processed(refund).json()["detail"] == "refund processed"

    def no_show(self, booking_id: str) -> None:
        response = self.h.post(f"/v1/bookings/{booking_id}/no-show", headers=self.staff)
        assert response.status_code == 200, response.text
        self.stats["no_show"] += 1

    def complete(self, booking: dict[str, Any], method: str) -> None:
        response = self.h.post(f"/v1/bookings/{booking['booking_id']}/complete", headers=self.staff)
        assert response.status_code == 200, response.text
        self.stats["completed"] += 1
        balance = [o for o in response.json()["orders"] if o["purpose"] == "balance"]
        if balance:
            paid_with = method if self.rng.random() < 0.7 else self.method()
            order = balance[0]
            self.at(self.later((2, 8)), lambda: self.pay_balance(order, paid_with))

    def pay_balance(self, order: dict[str, Any], method: str) -> None:
        self.h.pay(order["order_id"], order["amount_paise"], method=method)
        self.stats["balances"] += 1

    def tele(self, booking: dict[str, Any], event_type: str) -> None:
        room_id = self.h.get(f"/v1/bookings/{booking['booking_id']}").json()["tele_room_id"]
        assert self.h.tele_event(event_type, room_id).json()["status"] == "processed"
        if event_type == "tele.session.completed":
            self.stats["tele_completed"] += 1


# ---- the gateway's and the bank's side, built from the service's own payments -------------------------------


def _epoch(when: datetime) -> int:
    return int(when.timestamp())


def _ist_date(when: datetime) -> date:
    return when.astimezone(IST).date()


def write_reference(root: Path) -> None:
    (root / "reference").mkdir(parents=True)
    tenant = directory().tenants[0]
    rows = {
        "branches.csv": (
            ["tenant_id", "branch_id", "branch_name", "city", "state"],
            [[TENANT, b.branch_id, b.name, b.city, b.state] for b in tenant.branches],
        ),
        "doctors.csv": (
            ["tenant_id", "doctor_id", "branch_id", "doctor_name", "specialty", "consultation_fee_paise"],
            [
                [TENANT, d.doctor_id, b.branch_id, d.name, d.specialty, d.consultation_fee_paise]
                for b in tenant.branches
                for d in b.doctors
            ],
        ),
        "gateway_contract.csv": (
            ["tenant_id", "gateway", "method", "mdr_bps", "gst_bps", "settlement_days", "refund_sla_days"],
            [[TENANT, "razorpay", m, MDR_BPS[m], GST_BPS, SETTLEMENT_DAYS, REFUND_SLA_DAYS] for m in METHODS],
        ),
    }
    for name, (header, body) in rows.items():
        with (root / "reference" / name).open("w", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(body)


def write_settlements_and_bank(
    root: Path, payments: list[Payment], refunds: list[Refund], branch_of: dict[str, str]
) -> int:
    """Razorpay recon CSVs (one per settlement day, one settlement per branch) and the bank statement.
    Returns how many payments were settled."""
    rng = random.Random(11)
    lines: defaultdict[tuple[date, str], list[list[Any]]] = defaultdict(list)
    settled = 0
    for p in payments:
        assert p.captured_at is not None
        day = _ist_date(p.captured_at) + timedelta(days=SETTLEMENT_DAYS)
        if day > LAST_SETTLEMENT_DAY:
            continue
        settled += 1
        fee = apply_bps(p.amount_paise, MDR_BPS[p.method])
        tax = apply_bps(fee, GST_BPS)
        notes = json.dumps({"booking_id": p.booking_id, "branch_id": branch_of[p.booking_id]})
        card = ("Visa", "HDFC", "credit") if p.method == "card" else ("", "", "")
        lines[(day, branch_of[p.booking_id])].append(
            [p.payment_id, "payment", 0, p.amount_paise - fee - tax, p.amount_paise, "INR", fee + tax, tax, 0, 1,
             _epoch(p.captured_at), None, None, None, "default", "Consultation", notes,
             "", None, p.order_id, p.booking_id, p.method, *card, ""]
        )  # fmt: skip
    for r in refunds:
        day = _ist_date(r.initiated_at) + timedelta(days=SETTLEMENT_DAYS)
        if day > LAST_SETTLEMENT_DAY:
            continue
        notes = json.dumps({"booking_id": r.booking_id, "branch_id": branch_of[r.booking_id]})
        lines[(day, branch_of[r.booking_id])].append(
            [r.refund_id, "refund", r.amount_paise, 0, r.amount_paise, "INR", 0, 0, 0, 1,
             _epoch(r.initiated_at), None, None, None, "default", "Refund for cancelled appointment", notes,
             r.payment_id, None, "", "", "", "", "", "", ""]
        )  # fmt: skip
    (root / "settlements" / "razorpay").mkdir(parents=True)
    (root / "bank").mkdir(parents=True)
    bank_rows = []
    balance = 25_00_000_00
    for day in sorted({d for d, _ in lines}):
        with (root / "settlements" / "razorpay" / f"settlement_recon_{day:%Y%m%d}.csv").open(
            "w", newline=""
        ) as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(RECON_HEADER)
            for n, branch in enumerate(sorted(b for d, b in lines if d == day)):
                settled_at = _epoch(ist(day, 10, 5 * n))
                settlement_id = f"setl_{day:%Y%m%d}{branch.replace('_', '')}"
                utr = f"UTIBN6{day:%Y%m%d}{rng.randrange(10**5):05d}"
                rows = lines[(day, branch)]
                for row in rows:
                    row[11], row[12], row[13], row[18] = settled_at, settlement_id, settled_at, utr
                writer.writerows(rows)
                net = sum(row[3] for row in rows) - sum(row[2] for row in rows)
                assert net > 0, "a settlement must leave money to credit"
                balance += net
                stamp = f"{day:%d/%m/%Y}"
                bank_rows.append(
                    [stamp, stamp, f"NEFT CR-{utr}-RAZORPAY SOFTWARE PVT LTD-SETTLEMENT",
                     f"{rng.randrange(10**11, 10**12)}", "", rupees(net), rupees(balance)]
                )  # fmt: skip
    with (root / "bank" / "current_account.csv").open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["txn_date", "value_date", "narration", "ref_no", "debit", "credit", "balance"])
        writer.writerows(bank_rows)
    return settled


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_realistic_days_reconcile_through_the_pipeline(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.settings import warehouse_settings
    from core.warehouse import open_warehouse
    from mymedic.pipeline import run_pipeline

    chain = Chain(harness, seed=2026)
    chain.run()
    stats = chain.stats
    assert stats["booked"] >= 60 and stats["refunds"] >= 3 and stats["balances"] >= 10
    assert stats["rescheduled"] >= 2 and stats["tele_completed"] >= 2 and stats["no_show"] >= 1, dict(stats)

    db = Database(harness.db_url)
    try:
        with db.read() as s:
            payments = list(s.scalars(select(Payment).where(Payment.captured_at.is_not(None))))
            refunds = list(s.scalars(select(Refund)))
            branch_of = {b: branch for b, branch in s.execute(select(Booking.booking_id, Booking.branch_id))}
        data = tmp_path / "data"
        write_reference(data)
        settled = write_settlements_and_bank(data, payments, refunds, branch_of)
        exported = export_events(db, data / "events", tenant_id=TENANT)
        assert export_events(db, data / "events").events == 0
    finally:
        db.dispose()
    assert exported.by_type["payment.deposit.paid"] + exported.by_type["payment.balance.paid"] == len(
        payments
    )
    assert 0 < settled < len(payments)  # some settled, some still in transit

    url = f"chdb://{tmp_path / 'wh'}"
    monkeypatch.chdir(tmp_path)  # the run writes its log under ./.mymedic/logs: keep it in the test's folder
    report = run_pipeline(data, tmp_path / "exports", warehouse_url=url)
    assert report.success, report
    assert report.as_of == LAST_SETTLEMENT_DAY.isoformat()
    events_feed = report.feeds["booking_events"]
    assert sum(n for t, n in exported.by_type.items() if t.startswith("tele.")) > 0
    assert (events_feed["rows_loaded"], events_feed["rows_quarantined"]) == (exported.events, 0)
    with open_warehouse(warehouse_settings(url)) as w:
        rows = w.dicts(
            f"select entity_type, entity_id, status, booked_amount_paise, exception_reason "
            f"from `{w.db('marts')}`.fct_payment_reconciliation"
        )
    payment_rows = {r["entity_id"]: r for r in rows if r["entity_type"] == "payment"}
    assert set(payment_rows) == {p.payment_id for p in payments}
    statuses = defaultdict(int)
    for row in payment_rows.values():
        assert row["status"] in ("matched", "in_transit"), row
        statuses[row["status"]] += 1
    assert statuses["matched"] == settled and statuses["in_transit"] == len(payments) - settled
    assert sum(r["booked_amount_paise"] for r in payment_rows.values()) == sum(
        p.amount_paise for p in payments
    )
    refund_rows = [r for r in rows if r["entity_type"] == "refund"]
    assert {r["entity_id"] for r in refund_rows} == {r.refund_id for r in refunds}
    assert all(r["status"] in ("matched", "in_transit") for r in refund_rows), refund_rows
    assert not [r for r in rows if r["entity_type"] == "gateway_line"]  # no orphan gateway lines
