"""The booking state machine and its money rules.

    pending_payment ─┬─ deposit captured ─→ confirmed ─┬─→ completed
                     ├─→ expired (unpaid after the hold) ├─→ no_show
                     └─→ cancelled / completed / no_show └─→ cancelled

A booking with no deposit starts `confirmed`. Cancelled, completed, no-show and expired are final.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from booking.domain.errors import Conflict

Status = Literal["pending_payment", "confirmed", "completed", "cancelled", "no_show", "expired"]
BOOKING_NEXT: dict[str, frozenset[str]] = {
    "pending_payment": frozenset({"confirmed", "cancelled", "expired", "completed", "no_show"}),
    "confirmed": frozenset({"cancelled", "completed", "no_show"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
    "no_show": frozenset(),
    "expired": frozenset(),
}
OPEN = ("pending_payment", "confirmed")
NOTHING_DUE = ("cancelled", "no_show", "expired")  # no order may be opened
CANCEL_REASONS = (
    "patient_request",
    "doctor_unavailable",
    "schedule_conflict",
    "payment_not_completed",
    "other",
)


def require_open(booking_id: str, status: str, action: str) -> None:
    """Refuse a change (cancel, reschedule, complete, no-show) of a booking that is no longer open."""
    if status not in OPEN:
        raise Conflict(f"booking {booking_id} is {status}; it cannot be {action}")


def can_move(status: str, target: str) -> bool:
    return target in BOOKING_NEXT[status]


def fee_and_deposit(
    visit_type: str, consultation_fee_paise: int, tele_fee_paise: int | None, deposit_pct: int
) -> tuple[int, int]:
    """The visit's fee and the deposit taken at booking: tele visits are prepaid in full."""
    if visit_type == "tele":
        fee = tele_fee_paise or consultation_fee_paise
        return fee, fee
    return consultation_fee_paise, consultation_fee_paise * deposit_pct // 100


def initial_status(deposit_paise: int) -> Status:
    return "pending_payment" if deposit_paise > 0 else "confirmed"


def require_started(slot_start: datetime, now: datetime) -> None:
    if slot_start > now:
        raise Conflict("the appointment has not started yet")


def due_from(status: str, fee_paise: int, paid_paise: int) -> int:
    """What is left to pay: nothing on a cancelled or expired booking, never below zero."""
    return 0 if status in ("cancelled", "expired") else max(fee_paise - paid_paise, 0)
