"""Money: gateway orders, captured payments from Razorpay webhooks, refunds.

Payment state only moves forward (created → authorized → captured → refunded), so duplicate or out-of-order
webhooks change nothing they should not. `failed` is final except for Razorpay's documented late
authorisation: a payment marked failed on a bank timeout can later turn `authorized` (and, with automatic
capture, `captured`); those are the only ways out of `failed`.

Every capture whose amount and currency are the order's emits `payment.deposit.paid` /
`payment.balance.paid`; a capture that should not have happened (a second capture of an already paid order,
or a deposit paid after the booking was cancelled or expired) is refunded in full at once. A capture whose amount or
currency differs from its order is recorded and audited but pays nothing: the order stays open, the booking
is not confirmed, and `payment.capture.mismatched` carries both amounts for reconciliation (staff decide).

Gateway ids: orders and refunds are made at the tenant's gateway (`gateway.mode`: Razorpay's Orders and
Refunds APIs, or ids minted here in Razorpay's style when "offline"; `booking/razorpay_api.py`); payments
carry the id Razorpay gives them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from booking.clock import rfc3339
from booking.context import Ctx
from booking.errors import Conflict
from booking.models import Booking, Payment, PaymentOrder, Refund, snapshot
from booking.razorpay_api import receipt

GATEWAY = "razorpay"
CURRENCY = "INR"
# Razorpay payment methods folded into the contract's four
METHODS = {
    "upi": "upi",
    "card": "card",
    "emi": "card",
    "wallet": "wallet",
    "paylater": "wallet",
    "cardless_emi": "wallet",
    "netbanking": "netbanking",
    "bank_transfer": "netbanking",
    "nach": "netbanking",
}
PAYMENT_NEXT: dict[str, set[str]] = {
    "created": {"authorized", "failed", "captured"},
    "authorized": {"failed", "captured"},
    "failed": {"authorized", "captured"},  # late authorisation (and its automatic capture)
    "captured": {"refunded"},
    "refunded": set(),
}
REFUND_NEXT: dict[str, set[str]] = {
    "initiated": {"processed", "failed"},
    "failed": {"processed"},
    "processed": set(),
}
PAYMENT_EVENTS = {
    "payment.authorized": "authorized",
    "payment.captured": "captured",
    "payment.failed": "failed",
    "order.paid": "captured",
}
REFUND_EVENTS = {"refund.created": "initiated", "refund.processed": "processed", "refund.failed": "failed"}
# refund reasons (the generator's vocabulary for the first two)
REFUND_FULL = "appointment_cancelled"
REFUND_PARTIAL = "late_cancellation_partial"
REFUND_DUPLICATE = "duplicate_payment"
REFUND_AFTER_CANCEL = "paid_after_cancellation"
REFUND_AFTER_EXPIRY = "paid_after_expiry"
REFUND_AT_GATEWAY = "gateway_refund"


class RazorpayPayment(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str = Field(pattern=r"^pay_\w{1,40}$")
    amount: int = Field(gt=0, lt=10**12)
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    status: str = Field(max_length=32)
    order_id: str | None = Field(default=None, pattern=r"^order_\w{1,40}$")
    method: str = Field(max_length=32)


class RazorpayRefund(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str = Field(pattern=r"^rfnd_\w{1,40}$")
    payment_id: str = Field(pattern=r"^pay_\w{1,40}$")
    amount: int = Field(gt=0, lt=10**12)
    status: str = Field(default="", max_length=32)


class _PaymentWrapper(BaseModel):
    entity: RazorpayPayment


class _RefundWrapper(BaseModel):
    entity: RazorpayRefund


class RazorpayPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")
    payment: _PaymentWrapper | None = None
    refund: _RefundWrapper | None = None


class RazorpayWebhook(BaseModel):
    """The parts of a Razorpay webhook this service reads."""

    model_config = ConfigDict(extra="ignore")
    entity: Literal["event"] = "event"
    event: str = Field(max_length=64)
    payload: RazorpayPayload
    created_at: int = Field(ge=0, lt=10**11)


# ---- orders ----------------------------------------------------------------------------------------------


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


def paid_from(orders: list[PaymentOrder], payments: list[Payment]) -> int:
    """What paid orders brought in (the first capture of each order; duplicates do not count)."""
    by_id = {p.payment_id: p for p in payments}
    return sum(
        by_id[o.paid_by_payment_id].amount_paise
        for o in orders
        if o.status == "paid" and o.paid_by_payment_id in by_id
    )


def due_from(booking: Booking, paid: int) -> int:
    return 0 if booking.status in ("cancelled", "expired") else max(booking.fee_paise - paid, 0)


def paid_total(ctx: Ctx, booking: Booking) -> int:
    return paid_from(orders_of(ctx, booking.booking_id), payments_of(ctx, booking.booking_id))


def balance_due(ctx: Ctx, booking: Booking) -> int:
    return due_from(booking, paid_total(ctx, booking))


def open_order(ctx: Ctx, booking: Booking, purpose: str) -> PaymentOrder:
    """The unpaid order of `purpose` for the booking, created when there is none (what checkout needs)."""
    if booking.status in ("cancelled", "no_show", "expired"):
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


# ---- captured payments -----------------------------------------------------------------------------------


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
    if target == payment.status or target not in PAYMENT_NEXT[payment.status]:
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
    if target == "captured":
        if (payment.amount_paise, payment.currency) != (order.amount_paise, order.currency):
            _on_mismatched_capture(ctx, payment, order)
            return "payment captured: amount or currency differs from the order; the order stays unpaid"
        _on_captured(ctx, payment, order)
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
        "gateway": GATEWAY,
        "captured_at": rfc3339(payment.captured_at),
    }


def _on_mismatched_capture(ctx: Ctx, payment: Payment, order: PaymentOrder) -> None:
    """Money arrived that is not what the order asked for: record it for reconciliation, confirm nothing."""
    booking = _booking(ctx, order.booking_id)
    asked = {"order_amount_paise": order.amount_paise, "order_currency": order.currency}
    data = {**_capture_data(payment, order, booking), "purpose": order.purpose, **asked}
    ctx.emit("payment.capture.mismatched", branch_id=booking.branch_id, subject=booking.booking_id, data=data)
    ctx.audit("payment.capture_mismatched", "payment_order", order.order_id, after=data)


def _on_captured(ctx: Ctx, payment: Payment, order: PaymentOrder) -> None:
    booking = _booking(ctx, order.booking_id)
    duplicate = order.status == "paid" and order.paid_by_payment_id != payment.payment_id
    if not duplicate:
        order.status = "paid"
        order.paid_by_payment_id = payment.payment_id
    ctx.emit(
        f"payment.{order.purpose}.paid",
        branch_id=booking.branch_id,
        subject=booking.booking_id,
        data=_capture_data(payment, order, booking),
    )
    if duplicate:
        refund(ctx, payment, payment.amount_paise, REFUND_DUPLICATE)
    elif booking.status == "cancelled":
        refund(ctx, payment, payment.amount_paise, REFUND_AFTER_CANCEL)
    elif booking.status == "expired":
        refund(ctx, payment, payment.amount_paise, REFUND_AFTER_EXPIRY)
    elif order.purpose == "deposit" and booking.status == "pending_payment":
        before = snapshot(booking)
        booking.status = "confirmed"
        booking.updated_at = ctx.now
        ctx.audit("booking.confirmed", "booking", booking.booking_id, before=before, after=snapshot(booking))
        if booking.visit_type == "tele":
            from booking.tele import open_room

            open_room(ctx, booking)


# ---- refunds ---------------------------------------------------------------------------------------------


def refund(
    ctx: Ctx, payment: Payment, amount: int, reason: str, refund_id: str | None = None
) -> Refund | None:
    """Refund `amount` of a captured payment to its original method (Razorpay refunds to the source).

    Without `refund_id` the refund is made at the tenant's gateway (its receipt, payment/refund/n, is the
    idempotency key, so a retry is the same refund); with one, a refund the gateway already made is recorded.
    """
    earlier = list(ctx.session.scalars(select(Refund).where(Refund.payment_id == payment.payment_id)))
    already = sum(r.amount_paise for r in earlier if r.status != "failed")
    amount = min(amount, payment.amount_paise - already)
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


def refund_amount(ctx: Ctx, booking: Booking, paid: int, reason: str) -> int:
    policy = ctx.tenant.refund_policy
    hours_before = (booking.slot_start - ctx.now).total_seconds() / 3600
    if reason in policy.full_refund_reasons or hours_before >= policy.full_refund_hours:
        return paid
    return paid * policy.late_refund_pct // 100


def refund_on_cancel(ctx: Ctx, booking: Booking, reason: str) -> list[Refund]:
    """Refund each captured payment of a cancelled booking per the tenant's policy, to its original method."""
    refunds = []
    for payment in payments_of(ctx, booking.booking_id):
        if payment.status != "captured":
            continue
        amount = refund_amount(ctx, booking, payment.amount_paise, reason)
        why = REFUND_FULL if amount == payment.amount_paise else REFUND_PARTIAL
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
        row = refund(ctx, payment, entity.amount, REFUND_AT_GATEWAY, refund_id=entity.id)
        if row is None:
            return "ignored: the payment is already fully refunded"
        ctx.session.flush()
    if target == row.status or target not in REFUND_NEXT[row.status]:
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
