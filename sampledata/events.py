"""Booking-service CloudEvents: the appointment and payment lifecycle of every booking."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .clock import DAY_MS, HOUR_MS, MINUTE_MS, ist_day_of_ms, ist_midnight_ms, rfc3339_ms
from .model import (
    CARD_ISSUERS,
    CARD_NETWORK_WEIGHTS,
    CARD_NETWORKS,
    CARD_TYPES,
    CURRENCY,
    GATEWAY,
    METHOD_WEIGHTS,
    METHODS,
    Branch,
    Chain,
    Doctor,
    IdFactory,
    Payment,
    Refund,
)

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"

TELE_SHARE = 0.25  # tele consults are prepaid in full: the "deposit" is the whole fee
DEPOSIT_PCT = 30  # in-person deposit, % of the fee
ABANDON_SHARE = 0.03  # deposit order never paid
RESCHEDULE_SHARE = 0.08
CANCEL_SHARE = 0.13
NO_SHOW_SHARE = 0.09
BALANCE_UNPAID_SHARE = 0.02
SAME_METHOD_SHARE = 0.7  # balance paid with the deposit's method
NIGHT_SHARE = 0.05  # bookings made online between 00:05 and 05:30 IST

_encode = json.JSONEncoder(separators=(",", ":")).encode


class EventSink:
    """Serialises events and buckets them by IST day; drops anything after the last data day."""

    def __init__(self, tenant_id: str, last_day: int, ids: IdFactory) -> None:
        self._tenant_id = tenant_id
        self._last_day = last_day
        self._ids = ids
        self._buckets: dict[int, list[tuple[int, int, str]]] = {}
        self._seq = 0
        # told of every event written (time, type, branch, subject, data); draws nothing from the RNG
        self.on_emit: Callable[[int, str, str, str, dict], None] | None = None

    def emit(
        self,
        epoch_ms: int,
        event_type: str,
        branch_id: str,
        subject: str,
        data: dict,
        event_id: str | None = None,
    ) -> bool:
        """Bucket the event under its IST day; `event_id` for a caller with its own id stream."""
        day = ist_day_of_ms(epoch_ms)
        if day > self._last_day:
            return False
        event = {
            "specversion": SPECVERSION,
            "id": event_id or self._ids.event_id(),
            "source": f"mymedic/booking/{branch_id}",
            "type": event_type,
            "time": rfc3339_ms(epoch_ms),
            "subject": subject,
            "datacontenttype": CONTENT_TYPE,
            "tenantid": self._tenant_id,
            "branchid": branch_id,
            "data": data,
        }
        self._seq += 1
        bucket = self._buckets.get(day)
        if bucket is None:
            bucket = self._buckets[day] = []
        bucket.append((epoch_ms, self._seq, _encode(event)))
        if self.on_emit is not None:
            self.on_emit(epoch_ms, event_type, branch_id, subject, data)
        return True

    def write_day(self, day: int, path: Path) -> int:
        """Write the day's events in time order; returns how many (no file when there are none)."""
        bucket = self._buckets.pop(day, None)
        if not bucket:
            return 0
        bucket.sort()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="\n") as fh:
            fh.write("\n".join(line for _, _, line in bucket))
            fh.write("\n")
        return len(bucket)


class Ledger:
    """Captured payments and initiated refunds, by IST day and branch, until they are settled."""

    def __init__(self, n_branches: int) -> None:
        self._n = n_branches
        self.payments: dict[int, list[list[Payment]]] = {}
        self.refunds: dict[int, list[list[Refund]]] = {}
        self.payment_count = 0
        self.refund_count = 0

    def add_payment(self, payment: Payment) -> None:
        day = ist_day_of_ms(payment.captured_ms)
        per_branch = self.payments.get(day)
        if per_branch is None:
            per_branch = self.payments[day] = [[] for _ in range(self._n)]
        per_branch[payment.branch.index].append(payment)
        self.payment_count += 1

    def add_refund(self, refund: Refund) -> None:
        day = ist_day_of_ms(refund.initiated_ms)
        per_branch = self.refunds.get(day)
        if per_branch is None:
            per_branch = self.refunds[day] = [[] for _ in range(self._n)]
        per_branch[refund.payment.branch.index].append(refund)
        self.refund_count += 1

    def pop_day(self, day: int) -> tuple[list[list[Payment]], list[list[Refund]]]:
        empty_p: list[list[Payment]] = [[] for _ in range(self._n)]
        empty_r: list[list[Refund]] = [[] for _ in range(self._n)]
        return self.payments.pop(day, empty_p), self.refunds.pop(day, empty_r)

    def remaining_days(self) -> list[int]:
        return sorted(set(self.payments) | set(self.refunds))


@dataclass(frozen=True, slots=True)
class CompletedVisit:
    """An in-person booking the patient attended: what the HIS of the branch saw (sampledata/adt.py)."""

    booking_id: str
    patient_id: str
    branch: Branch
    doctor: Doctor
    slot_ms: int
    completed_ms: int


class BookingSimulator:
    """Simulates bookings; emits their events to the sink and their money movements to the ledger."""

    def __init__(
        self,
        rng: random.Random,
        ids: IdFactory,
        chain: Chain,
        sink: EventSink,
        ledger: Ledger,
        patient_pool: int,
    ) -> None:
        self._rng = rng
        self._ids = ids
        self._chain = chain
        self._sink = sink
        self._ledger = ledger
        self._patient_pool = max(patient_pool, 10)
        self._patient_salt = rng.randrange(10**8)
        # told of every completed in-person visit; draws nothing from the RNG, so the events stay the same
        self.on_completed: Callable[[CompletedVisit], None] | None = None

    def _patient_id(self) -> str:
        n = self._rng.randrange(self._patient_pool)
        # a bijection of [0, 10**8) so ids look scattered but stay unique per patient
        return f"pat_{(n * 2_654_435_761 + self._patient_salt) % 10**8:08d}"

    def _slot(self, day: int, not_before_ms: int) -> int:
        """A 15-minute slot between 09:00 and 19:45 IST, 0-4 days ahead, after `not_before_ms`."""
        rng = self._rng
        ahead = rng.choices((0, 1, 2, 3, 4), (30, 35, 20, 10, 5))[0]
        slot = ist_midnight_ms(day + ahead) + (9 * 60 + 15 * rng.randrange(44)) * MINUTE_MS
        if slot < not_before_ms:
            slot += DAY_MS
        return slot

    def _method(self) -> str:
        return self._rng.choices(METHODS, METHOD_WEIGHTS)[0]

    def _capture(
        self,
        at_ms: int,
        order_id: str,
        booking_id: str,
        patient_id: str,
        branch: Branch,
        amount: int,
        purpose: str,
        method: str,
    ) -> Payment | None:
        rng = self._rng
        payment_id = self._ids.razorpay("pay_")
        card = None
        if method == "card":
            card = (
                rng.choices(CARD_NETWORKS, CARD_NETWORK_WEIGHTS)[0],
                rng.choice(CARD_ISSUERS),
                rng.choice(CARD_TYPES),
            )
        emitted = self._sink.emit(
            at_ms,
            f"payment.{purpose}.paid",
            branch.branch_id,
            booking_id,
            {
                "payment_id": payment_id,
                "order_id": order_id,
                "booking_id": booking_id,
                "patient_id": patient_id,
                "branch_id": branch.branch_id,
                "amount_paise": amount,
                "currency": CURRENCY,
                "method": method,
                "gateway": GATEWAY,
                "captured_at": rfc3339_ms(at_ms),
            },
        )
        if not emitted:
            return None
        payment = Payment(
            payment_id, order_id, booking_id, patient_id, branch, amount, method, at_ms, purpose, card
        )
        self._ledger.add_payment(payment)
        return payment

    def _initiate(
        self, at_ms: int, booking_id: str, patient_id: str, branch: Branch, amount: int, purpose: str
    ) -> str:
        order_id = self._ids.razorpay("order_")
        self._sink.emit(
            at_ms,
            "payment.initiated",
            branch.branch_id,
            booking_id,
            {
                "order_id": order_id,
                "booking_id": booking_id,
                "patient_id": patient_id,
                "branch_id": branch.branch_id,
                "amount_paise": amount,
                "currency": CURRENCY,
                "purpose": purpose,
            },
        )
        return order_id

    def simulate_day(
        self, day: int, branch: Branch, count: int, duplicate: bool
    ) -> tuple[Payment, Payment] | None:
        """Simulate `count` bookings made at `branch` on IST `day`.

        With `duplicate`, one booking's deposit order is captured twice; the pair (first, second) is returned.
        """
        dup_from = self._rng.randrange(count) if duplicate and count else count
        pair = None
        for i in range(count):
            got = self._booking(day, branch, duplicate=pair is None and i >= dup_from)
            if got is not None:
                pair = got
        return pair

    def _booking(self, day: int, branch: Branch, duplicate: bool) -> tuple[Payment, Payment] | None:
        rng = self._rng
        sink = self._sink
        bid = branch.branch_id
        booking_id = self._ids.razorpay("bk_")
        doctor = rng.choice(self._chain.doctors[branch.index])
        tele = rng.random() < TELE_SHARE
        fee = doctor.fee_paise * 8 // 10 if tele else doctor.fee_paise
        deposit = fee if tele else fee * DEPOSIT_PCT // 100
        patient_id = self._patient_id()
        if rng.random() < NIGHT_SHARE:  # online after midnight IST: still the previous day in UTC
            seconds = rng.randrange(5 * 60, 5 * 3600 + 25 * 60)
        else:
            seconds = rng.randrange(7 * 3600 + 1800, 20 * 3600)
        t = ist_midnight_ms(day) + seconds * 1000 + rng.randrange(1000)
        slot = self._slot(day, t + HOUR_MS)
        sink.emit(
            t,
            "appointment.booked",
            bid,
            booking_id,
            {
                "booking_id": booking_id,
                "patient_id": patient_id,
                "branch_id": bid,
                "doctor_id": doctor.doctor_id,
                "slot_start": rfc3339_ms(slot),
                "visit_type": "tele" if tele else "in_person",
                "fee_paise": fee,
            },
        )
        t += rng.randrange(3_000, 40_000)
        order_id = self._initiate(t, booking_id, patient_id, branch, deposit, "deposit")
        if rng.random() < ABANDON_SHARE:
            t += rng.randrange(15 * MINUTE_MS, 30 * MINUTE_MS)
            sink.emit(
                t,
                "appointment.cancelled",
                bid,
                booking_id,
                {"booking_id": booking_id, "reason": "payment_not_completed"},
            )
            return None
        t += rng.randrange(15_000, 300_000)
        method = self._method()
        paid = self._capture(t, order_id, booking_id, patient_id, branch, deposit, "deposit", method)
        if paid is None:
            return None
        pair = None
        if duplicate:
            again = self._capture(
                t + rng.randrange(2_000, 90_000),
                order_id,
                booking_id,
                patient_id,
                branch,
                deposit,
                "deposit",
                method,
            )
            if again is not None:
                paid.reserved = again.reserved = True
                pair = (paid, again)
        last = t + 90_000

        if rng.random() < RESCHEDULE_SHARE and slot - HOUR_MS > last + 10 * MINUTE_MS:
            t = rng.randrange(last + 10 * MINUTE_MS, slot - HOUR_MS)
            new_slot = (
                ist_midnight_ms(ist_day_of_ms(slot) + rng.randint(1, 3))
                + (9 * 60 + 15 * rng.randrange(44)) * MINUTE_MS
            )
            sink.emit(
                t,
                "appointment.rescheduled",
                bid,
                booking_id,
                {
                    "booking_id": booking_id,
                    "old_slot_start": rfc3339_ms(slot),
                    "new_slot_start": rfc3339_ms(new_slot),
                },
            )
            slot, last = new_slot, t

        outcome = rng.random()
        if outcome < CANCEL_SHARE:
            self._cancel(booking_id, bid, paid, slot, last)
        elif outcome < CANCEL_SHARE + NO_SHOW_SHARE:
            sink.emit(
                slot + rng.randrange(30 * MINUTE_MS, 60 * MINUTE_MS),
                "appointment.no_show",
                bid,
                booking_id,
                {"booking_id": booking_id},
            )
        else:
            t = slot + rng.randrange(15 * MINUTE_MS, 45 * MINUTE_MS)
            completed = sink.emit(t, "appointment.completed", bid, booking_id, {"booking_id": booking_id})
            if completed and not tele and self.on_completed is not None:
                self.on_completed(CompletedVisit(booking_id, patient_id, branch, doctor, slot, t))
            balance = fee - deposit
            if balance > 0:
                t += rng.randrange(30_000, 180_000)
                order_id = self._initiate(t, booking_id, patient_id, branch, balance, "balance")
                if rng.random() >= BALANCE_UNPAID_SHARE:
                    if rng.random() >= SAME_METHOD_SHARE:
                        method = self._method()
                    t += rng.randrange(15_000, 600_000)
                    self._capture(t, order_id, booking_id, patient_id, branch, balance, "balance", method)
        return pair

    def _cancel(self, booking_id: str, branch_id: str, paid: Payment, slot: int, last: int) -> None:
        rng = self._rng
        lo, hi = last + 5 * MINUTE_MS, slot - 30 * MINUTE_MS
        t = rng.randrange(lo, hi) if hi > lo else last + rng.randrange(MINUTE_MS, 5 * MINUTE_MS)
        reason = rng.choices(("patient_request", "doctor_unavailable", "schedule_conflict"), (60, 20, 20))[0]
        self._sink.emit(
            t, "appointment.cancelled", branch_id, booking_id, {"booking_id": booking_id, "reason": reason}
        )
        late = slot - t < 4 * HOUR_MS
        amount = paid.amount // 2 if late and reason != "doctor_unavailable" else paid.amount
        refund_reason = "late_cancellation_partial" if amount != paid.amount else "appointment_cancelled"
        refund_id = self._ids.razorpay("rfnd_")
        data = {
            "refund_id": refund_id,
            "payment_id": paid.payment_id,
            "amount_paise": amount,
            "reason": refund_reason,
        }
        t += rng.randrange(30_000, 600_000)
        if not self._sink.emit(t, "payment.refund.initiated", branch_id, booking_id, data):
            return
        self._ledger.add_refund(Refund(refund_id, paid, amount, t, refund_reason))
        t += rng.randrange(10 * MINUTE_MS, 3 * HOUR_MS)
        self._sink.emit(t, "payment.refund.issued", branch_id, booking_id, dict(data))
