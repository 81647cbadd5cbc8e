"""The expiry job: an unpaid booking holds its slot for the tenant's `payment_hold_minutes`, then expires.

Expired: the booking's status becomes `expired` (the partial unique index `uq_bookings_live_slot` no longer
counts it, so the slot is free), its open orders are closed, `appointment.expired` is emitted and audited,
all in one transaction per booking. A capture that still arrives for it is refunded at once
(`payments._on_captured`, reason `paid_after_expiry`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from booking.infra.db import Database
from booking.infra.models import Booking, PaymentOrder, snapshot
from booking.services.context import Ctx
from booking.settings import BookingConfig, TenantConfig

ACTOR = "system:expiry"
EXPIRES = "pending_payment"


def _due(db: Database, tenant: TenantConfig, now: datetime, limit: int) -> list[str]:
    cutoff = now - timedelta(minutes=tenant.payment_hold_minutes)
    with db.read() as s:
        return list(
            s.scalars(
                select(Booking.booking_id)
                .where(
                    Booking.tenant_id == tenant.tenant_id,
                    Booking.status == EXPIRES,
                    Booking.created_at <= cutoff,
                )
                .order_by(Booking.created_at)
                .limit(limit)
            )
        )


def expire_booking(ctx: Ctx, booking_id: str) -> bool:
    """Expire one booking if it is still unpaid and past its hold; False when it no longer is."""
    # the orders first, then the booking: the order a capture takes its locks in (no deadlock with it)
    orders = list(
        ctx.session.scalars(
            select(PaymentOrder)
            .where(PaymentOrder.booking_id == booking_id, PaymentOrder.status == "created")
            .order_by(PaymentOrder.order_id)
            .with_for_update()
        )
    )
    booking = ctx.session.get(Booking, booking_id, with_for_update=True)
    hold = timedelta(minutes=ctx.tenant.payment_hold_minutes)
    if booking is None or booking.status != EXPIRES or booking.created_at + hold > ctx.now:
        return False  # paid, cancelled or moved on since it was listed
    before = snapshot(booking)
    booking.status = "expired"
    booking.updated_at = ctx.now
    for order in orders:
        order_before = snapshot(order)
        order.status = "closed"
        ctx.audit("order.closed", "payment_order", order.order_id, before=order_before, after=snapshot(order))
    ctx.emit(
        "appointment.expired",
        branch_id=booking.branch_id,
        subject=booking.booking_id,
        data={"booking_id": booking.booking_id, "hold_minutes": ctx.tenant.payment_hold_minutes},
    )
    ctx.audit("booking.expired", "booking", booking.booking_id, before=before, after=snapshot(booking))
    return True


def expire_unpaid(db: Database, config: BookingConfig, now: datetime, *, limit: int = 500) -> int:
    """Expire every tenant's unpaid bookings whose hold has run out; returns how many expired."""
    expired = 0
    for tenant in config.tenants:
        for booking_id in _due(db, tenant, now, limit):
            with db.write() as s:
                expired += expire_booking(Ctx(s, tenant, ACTOR, now), booking_id)
    return expired
