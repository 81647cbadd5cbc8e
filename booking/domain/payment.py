"""The payment and refund state machines, and what a capture means for its order and booking.

Payment state only moves forward (created → authorized → captured → refunded), so duplicate or out-of-order
webhooks change nothing they should not. `failed` is final except for Razorpay's documented late
authorisation: a payment marked failed on a bank timeout can later turn `authorized` (and, with automatic
capture, `captured`); those are the only ways out of `failed`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal, Protocol

GATEWAY = "razorpay"
CURRENCY = "INR"
PAYMENT_NEXT: dict[str, frozenset[str]] = {
    "created": frozenset({"authorized", "failed", "captured"}),
    "authorized": frozenset({"failed", "captured"}),
    "failed": frozenset({"authorized", "captured"}),  # late authorisation (and its automatic capture)
    "captured": frozenset({"refunded"}),
    "refunded": frozenset(),
}
REFUND_NEXT: dict[str, frozenset[str]] = {
    "initiated": frozenset({"processed", "failed"}),
    "failed": frozenset({"processed"}),
    "processed": frozenset(),
}
# refund reasons (the generator's vocabulary for the first two)
REFUND_FULL = "appointment_cancelled"
REFUND_PARTIAL = "late_cancellation_partial"
REFUND_DUPLICATE = "duplicate_payment"
REFUND_AFTER_CANCEL = "paid_after_cancellation"
REFUND_AFTER_EXPIRY = "paid_after_expiry"
REFUND_AT_GATEWAY = "gateway_refund"

CaptureOutcome = Literal["mismatched", "duplicate", "after_cancellation", "after_expiry", "confirms", "pays"]


def payment_moves(status: str, target: str) -> bool:
    """Whether a webhook saying `target` changes a payment that is `status` (repeats and regressions do not)."""
    return target != status and target in PAYMENT_NEXT[status]


def refund_moves(status: str, target: str) -> bool:
    return target != status and target in REFUND_NEXT[status]


def capture_outcome(
    *,
    amount_paise: int,
    currency: str,
    order_amount_paise: int,
    order_currency: str,
    order_paid_by: str | None,
    payment_id: str,
    purpose: str,
    booking_status: str,
) -> CaptureOutcome:
    """What a captured payment does:
    - an amount or currency other than the order's pays nothing and confirms nothing (reconciled as
      `amount_mismatch`, staff decide);
    - a second capture of a paid order, or a capture after the booking was cancelled or expired, is refunded;
    - a deposit on a booking awaiting payment confirms it; any other capture just pays its order."""
    if (amount_paise, currency) != (order_amount_paise, order_currency):
        return "mismatched"
    if order_paid_by is not None and order_paid_by != payment_id:
        return "duplicate"
    if booking_status == "cancelled":
        return "after_cancellation"
    if booking_status == "expired":
        return "after_expiry"
    if purpose == "deposit" and booking_status == "pending_payment":
        return "confirms"
    return "pays"


REFUND_FOR: dict[CaptureOutcome, str] = {
    "duplicate": REFUND_DUPLICATE,
    "after_cancellation": REFUND_AFTER_CANCEL,
    "after_expiry": REFUND_AFTER_EXPIRY,
}


def cancellation_refund(
    *,
    paid_paise: int,
    reason: str,
    slot_start: datetime,
    now: datetime,
    full_refund_reasons: Iterable[str],
    full_refund_hours: float,
    late_refund_pct: int,
) -> tuple[int, str]:
    """How much of a captured payment a cancellation refunds, and the refund's reason."""
    hours_before = (slot_start - now).total_seconds() / 3600
    if reason in full_refund_reasons or hours_before >= full_refund_hours:
        return paid_paise, REFUND_FULL
    amount = paid_paise * late_refund_pct // 100
    return amount, REFUND_FULL if amount == paid_paise else REFUND_PARTIAL


def refundable(amount_paise: int, captured_paise: int, already_refunded_paise: int) -> int:
    """A refund never exceeds what is left of the payment."""
    return min(amount_paise, captured_paise - already_refunded_paise)


class _Order(Protocol):
    status: str
    paid_by_payment_id: str | None


class _Payment(Protocol):
    payment_id: str
    amount_paise: int


def paid_from(orders: Iterable[_Order], payments: Iterable[_Payment]) -> int:
    """What paid orders brought in (the first capture of each order; duplicates do not count)."""
    by_id = {p.payment_id: p for p in payments}
    return sum(
        by_id[o.paid_by_payment_id].amount_paise
        for o in orders
        if o.status == "paid" and o.paid_by_payment_id in by_id
    )
