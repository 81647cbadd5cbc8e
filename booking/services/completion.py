"""A visit is completed (by staff, or by the meeting provider's session event): the balance order opens.

Its own module so that tele (session completed) and bookings (staff completes) share it without importing
each other.
"""

from __future__ import annotations

from booking.infra.models import Booking, snapshot
from booking.services import orders
from booking.services.context import Ctx


def mark_completed(ctx: Ctx, booking: Booking) -> Booking:
    before = snapshot(booking)
    booking.status = "completed"
    booking.updated_at = ctx.now
    ctx.emit(
        "appointment.completed",
        branch_id=booking.branch_id,
        subject=booking.booking_id,
        data={"booking_id": booking.booking_id},
    )
    ctx.audit("booking.completed", "booking", booking.booking_id, before=before, after=snapshot(booking))
    due = orders.balance_due(ctx, booking)
    if due > 0:
        orders.create_order(ctx, booking, "balance", due)
    return booking
