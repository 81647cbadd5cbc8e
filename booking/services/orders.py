"""Payment orders: what a booking asks to be paid (deposit, tele fee, balance), made at the tenant's gateway."""

from __future__ import annotations

from sqlalchemy import select

from booking.domain import booking as booking_rules
from booking.domain.errors import Conflict
from booking.domain.payment import CURRENCY, paid_from
from booking.infra.models import Booking, Payment, PaymentOrder, Refund, snapshot
from booking.integrations.razorpay_api import receipt
from booking.services.context import Ctx


def create_order(ctx: Ctx, booking: Booking, purpose: str, amount: int) -> PaymentOrder:
    """An order of `amount` at the tenant's gateway; its receipt (booking/purpose/n) makes a retry the same."""
    n = 1 + sum(1 for o in orders_of(ctx, booking.booking_id) if o.purpose == purpose)
    order_id = ctx.gateway.create_order(
        amount=amount,
        currency=CURRENCY,
        receipt=receipt(booking.booking_id, purpose, str(n)),
        notes={"tenant_id": ctx.tenant_id, "booking_id": booking.booking_id, "purpose": purpose},
    )
    order = PaymentOrder(
        order_id=order_id,
        tenant_id=ctx.tenant_id,
        booking_id=booking.booking_id,
        purpose=purpose,
        amount_paise=amount,
        currency=CURRENCY,
        status="created",
        created_at=ctx.now,
    )
    ctx.session.add(order)
    ctx.emit(
        "payment.initiated",
        branch_id=booking.branch_id,
        subject=booking.booking_id,
        data={
            "order_id": order.order_id,
            "booking_id": booking.booking_id,
            "patient_id": booking.patient_id,
            "branch_id": booking.branch_id,
            "amount_paise": amount,
            "currency": CURRENCY,
            "purpose": purpose,
        },
    )
    ctx.audit("order.created", "payment_order", order.order_id, after=snapshot(order))
    return order


def orders_of(ctx: Ctx, booking_id: str) -> list[PaymentOrder]:
    return list(
        ctx.session.scalars(
            select(PaymentOrder)
            .where(PaymentOrder.booking_id == booking_id)
            .order_by(PaymentOrder.created_at)
        )
    )


def payments_of(ctx: Ctx, booking_id: str) -> list[Payment]:
    return list(ctx.session.scalars(select(Payment).where(Payment.booking_id == booking_id)))


def refunds_of(ctx: Ctx, booking_id: str) -> list[Refund]:
    return list(ctx.session.scalars(select(Refund).where(Refund.booking_id == booking_id)))


def paid_total(ctx: Ctx, booking: Booking) -> int:
    return paid_from(orders_of(ctx, booking.booking_id), payments_of(ctx, booking.booking_id))


def balance_due(ctx: Ctx, booking: Booking) -> int:
    return booking_rules.due_from(booking.status, booking.fee_paise, paid_total(ctx, booking))


def open_order(ctx: Ctx, booking: Booking, purpose: str) -> PaymentOrder:
    """The unpaid order of `purpose` for the booking, created when there is none (what checkout needs)."""
    if booking.status in booking_rules.NOTHING_DUE:
        raise Conflict(f"booking {booking.booking_id} is {booking.status}; nothing is due")
    for order in orders_of(ctx, booking.booking_id):
        if order.purpose == purpose and order.status == "created":
            return order
    if purpose == "deposit":
        if booking.deposit_paise == 0 or booking.status != "pending_payment":
            raise Conflict("no deposit is due on this booking", field="purpose")
        return create_order(ctx, booking, "deposit", booking.deposit_paise)
    if booking.status != "completed":
        raise Conflict("the balance is due once the visit is completed", field="purpose")
    due = balance_due(ctx, booking)
    if due == 0:
        raise Conflict("nothing is left to pay on this booking", field="purpose")
    return create_order(ctx, booking, "balance", due)
