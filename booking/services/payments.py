"""Money in and out: captured payments from Razorpay webhooks, and refunds.

Every capture whose amount and currency are the order's emits `payment.deposit.paid` /
`payment.balance.paid`; a capture that should not have happened (a second capture of an already paid order,
or a deposit paid after the booking was cancelled or expired) is refunded in full at once. A capture whose
amount or currency differs from its order is recorded and audited but pays nothing: the order stays open, the
booking is not confirmed, and `payment.capture.mismatched` carries both amounts for reconciliation (staff
decide). The rules are `booking.domain.payment`'s; this module applies them in a transaction.

Gateway ids: orders and refunds are made at the tenant's gateway (`gateway.mode`: Razorpay's Orders and
Refunds APIs, or ids minted here in Razorpay's style when "offline"; `booking.integrations.razorpay_api`);
payments carry the id Razorpay gives them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from booking.domain import payment as rules
from booking.domain.clock import rfc3339
from booking.infra.models import Booking, Payment, PaymentOrder, Refund, snapshot
from booking.integrations.razorpay_api import receipt
from booking.integrations.razorpay_webhook import (
    METHODS,
    PAYMENT_EVENTS,
    REFUND_EVENTS,
    RazorpayPayment,
    RazorpayRefund,
)
from booking.services.context import Ctx
from booking.services.orders import payments_of
from booking.services.tele import open_room


def _booking(ctx: Ctx, booking_id: str) -> Booking:
    booking = ctx.session.get(Booking, booking_id, with_for_update=True)
    assert booking is not None and booking.tenant_id == ctx.tenant_id
    return booking


def apply_payment_event(ctx: Ctx, event: str, entity: RazorpayPayment, event_at: datetime) -> str:
    """Apply one payment webhook; returns what it did (stored with the receipt)."""
    target = PAYMENT_EVENTS[event]
    if entity.order_id is None:
        return "ignored: payment has no order_id"
    order = ctx.session.get(PaymentOrder, entity.order_id, with_for_update=True)
    if order is None or order.tenant_id != ctx.tenant_id:
        return "ignored: order is not one of this tenant's bookings"
    method = METHODS.get(entity.method.lower())
    if method is None:
        return f"ignored: payment method {entity.method[:32]!r} is not supported"
    payment = ctx.session.get(Payment, entity.id, with_for_update=True)
    if payment is not None and payment.tenant_id != ctx.tenant_id:
        return "ignored: payment belongs to another tenant"
    if payment is None:
        payment = Payment(
            payment_id=entity.id,
            tenant_id=ctx.tenant_id,
            order_id=order.order_id,
            booking_id=order.booking_id,
            amount_paise=entity.amount,
            currency=entity.currency.upper(),
            method=method,
            status="created",
            updated_at=ctx.now,
        )
        ctx.session.add(payment)
        before = None
    else:
        before = snapshot(payment)
    if not rules.payment_moves(payment.status, target):
        return f"no change: payment is already {payment.status}"
    payment.status = target
    payment.method = method
    payment.updated_at = ctx.now
    if target == "authorized":
        payment.authorized_at = event_at
    elif target == "captured":
        payment.amount_paise = entity.amount
        payment.currency = entity.currency.upper()
        payment.captured_at = event_at
    ctx.session.flush()
    ctx.audit(f"payment.{target}", "payment", payment.payment_id, before=before, after=snapshot(payment))
    if target != "captured":
        return f"payment {target}"
    booking = _booking(ctx, order.booking_id)
    outcome = rules.capture_outcome(
        amount_paise=payment.amount_paise,
        currency=payment.currency,
        order_amount_paise=order.amount_paise,
        order_currency=order.currency,
        order_paid_by=order.paid_by_payment_id if order.status == "paid" else None,
        payment_id=payment.payment_id,
        purpose=order.purpose,
        booking_status=booking.status,
    )
    if outcome == "mismatched":
        _on_mismatched_capture(ctx, payment, order, booking)
        return "payment captured: amount or currency differs from the order; the order stays unpaid"
    _on_captured(ctx, payment, order, booking, outcome)
    return f"payment {target}"


def _capture_data(payment: Payment, order: PaymentOrder, booking: Booking) -> dict[str, object]:
    assert payment.captured_at is not None
    return {
        "payment_id": payment.payment_id,
        "order_id": order.order_id,
        "booking_id": booking.booking_id,
        "patient_id": booking.patient_id,
        "branch_id": booking.branch_id,
        "amount_paise": payment.amount_paise,
        "currency": payment.currency,
        "method": payment.method,
        "gateway": rules.GATEWAY,
        "captured_at": rfc3339(payment.captured_at),
    }


def _on_mismatched_capture(ctx: Ctx, payment: Payment, order: PaymentOrder, booking: Booking) -> None:
    """Money arrived that is not what the order asked for: record it for reconciliation, confirm nothing."""
    asked = {"order_amount_paise": order.amount_paise, "order_currency": order.currency}
    data = {**_capture_data(payment, order, booking), "purpose": order.purpose, **asked}
    ctx.emit("payment.capture.mismatched", branch_id=booking.branch_id, subject=booking.booking_id, data=data)
    ctx.audit("payment.capture_mismatched", "payment_order", order.order_id, after=data)


def _on_captured(
    ctx: Ctx, payment: Payment, order: PaymentOrder, booking: Booking, outcome: rules.CaptureOutcome
) -> None:
    if outcome != "duplicate":
        order.status = "paid"
        order.paid_by_payment_id = payment.payment_id
    ctx.emit(
        f"payment.{order.purpose}.paid",
        branch_id=booking.branch_id,
        subject=booking.booking_id,
        data=_capture_data(payment, order, booking),
    )
    if outcome in rules.REFUND_FOR:
        refund(ctx, payment, payment.amount_paise, rules.REFUND_FOR[outcome])
    elif outcome == "confirms":
        before = snapshot(booking)
        booking.status = "confirmed"
        booking.updated_at = ctx.now
        ctx.audit("booking.confirmed", "booking", booking.booking_id, before=before, after=snapshot(booking))
        if booking.visit_type == "tele":
            open_room(ctx, booking)


def refund(
    ctx: Ctx, payment: Payment, amount: int, reason: str, refund_id: str | None = None
) -> Refund | None:
    """Refund `amount` of a captured payment to its original method (Razorpay refunds to the source).

    Without `refund_id` the refund is made at the tenant's gateway (its receipt, payment/refund/n, is the
    idempotency key, so a retry is the same refund); with one, a refund the gateway already made is recorded.
    """
    earlier = list(ctx.session.scalars(select(Refund).where(Refund.payment_id == payment.payment_id)))
    already = sum(r.amount_paise for r in earlier if r.status != "failed")
    amount = rules.refundable(amount, payment.amount_paise, already)
    if amount <= 0:
        return None
    if refund_id is None:
        refund_id = ctx.gateway.create_refund(
            payment_id=payment.payment_id,
            amount=amount,
            receipt=receipt(payment.payment_id, "refund", str(len(earlier) + 1)),
            notes={"tenant_id": ctx.tenant_id, "booking_id": payment.booking_id, "reason": reason},
        )
    row = Refund(
        refund_id=refund_id,
        tenant_id=ctx.tenant_id,
        payment_id=payment.payment_id,
        booking_id=payment.booking_id,
        amount_paise=amount,
        reason=reason,
        status="initiated",
        initiated_at=ctx.now,
    )
    ctx.session.add(row)
    booking = ctx.session.get(Booking, payment.booking_id)
    assert booking is not None
    ctx.emit(
        "payment.refund.initiated",
        branch_id=booking.branch_id,
        subject=booking.booking_id,
        data={
            "refund_id": row.refund_id,
            "payment_id": payment.payment_id,
            "amount_paise": amount,
            "reason": reason,
        },
    )
    ctx.audit("refund.initiated", "refund", row.refund_id, after=snapshot(row))
    return row


def refund_on_cancel(ctx: Ctx, booking: Booking, reason: str) -> list[Refund]:
    """Refund each captured payment of a cancelled booking per the tenant's policy, to its original method."""
    refunds = []
    for payment in payments_of(ctx, booking.booking_id):
        if payment.status != "captured":
            continue
        policy = ctx.tenant.refund_policy
        amount, why = rules.cancellation_refund(
            paid_paise=payment.amount_paise,
            reason=reason,
            slot_start=booking.slot_start,
            now=ctx.now,
            full_refund_reasons=policy.full_refund_reasons,
            full_refund_hours=policy.full_refund_hours,
            late_refund_pct=policy.late_refund_pct,
        )
        made = refund(ctx, payment, amount, why)
        if made is not None:
            refunds.append(made)
    return refunds


def apply_refund_event(ctx: Ctx, event: str, entity: RazorpayRefund, event_at: datetime) -> str:
    target = REFUND_EVENTS[event]
    row = ctx.session.get(Refund, entity.id, with_for_update=True)
    if row is not None and row.tenant_id != ctx.tenant_id:
        return "ignored: refund belongs to another tenant"
    if row is None:  # a refund made at the gateway (dashboard): record it
        payment = ctx.session.get(Payment, entity.payment_id, with_for_update=True)
        if payment is None or payment.tenant_id != ctx.tenant_id:
            return "ignored: refund of a payment this tenant does not know"
        if payment.status not in ("captured", "refunded"):
            return f"ignored: payment is {payment.status}, not captured"
        row = refund(ctx, payment, entity.amount, rules.REFUND_AT_GATEWAY, refund_id=entity.id)
        if row is None:
            return "ignored: the payment is already fully refunded"
        ctx.session.flush()
    if not rules.refund_moves(row.status, target):
        return f"no change: refund is already {row.status}"
    before = snapshot(row)
    row.status = target
    if target == "processed":
        row.processed_at = event_at
        payment = ctx.session.get(Payment, row.payment_id, with_for_update=True)
        assert payment is not None
        if payment.status == "captured":
            payment.status = "refunded"
            payment.updated_at = ctx.now
        booking = ctx.session.get(Booking, row.booking_id)
        assert booking is not None
        ctx.emit(
            "payment.refund.issued",
            branch_id=booking.branch_id,
            subject=booking.booking_id,
            data={
                "refund_id": row.refund_id,
                "payment_id": row.payment_id,
                "amount_paise": row.amount_paise,
                "reason": row.reason,
            },
        )
    ctx.audit(f"refund.{target}", "refund", row.refund_id, before=before, after=snapshot(row))
    return f"refund {target}"
