"""The CloudEvents this service emits: the foundation contract (docs/reconciliation.md, "Events") plus `tele.*`.

Every event's `data` is validated against its model before it is written to the outbox, so a change here
that breaks the contract fails at the write, not in the warehouse.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.vocabulary import PaymentMethod

Text = Annotated[str, Field(min_length=1, max_length=200)]
Paise = Annotated[int, Field(strict=True, gt=0)]
Timestamp = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")]
PaymentId = Annotated[str, Field(pattern=r"^pay_\w+$")]
OrderId = Annotated[str, Field(pattern=r"^order_\w+$")]
RefundId = Annotated[str, Field(pattern=r"^rfnd_\w+$")]


class EventData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AppointmentBooked(EventData):
    booking_id: Text
    patient_id: Text
    branch_id: Text
    doctor_id: Text
    slot_start: Timestamp
    visit_type: Literal["in_person", "tele"]
    fee_paise: Paise


class AppointmentCancelled(EventData):
    booking_id: Text
    reason: Text


class AppointmentRescheduled(EventData):
    booking_id: Text
    old_slot_start: Timestamp
    new_slot_start: Timestamp


class AppointmentClosed(EventData):
    booking_id: Text


class PaymentInitiated(EventData):
    order_id: OrderId
    booking_id: Text
    patient_id: Text
    branch_id: Text
    amount_paise: Paise
    currency: Literal["INR"]
    purpose: Literal["deposit", "balance"]


class PaymentCaptured(EventData):
    payment_id: PaymentId
    order_id: OrderId
    booking_id: Text
    patient_id: Text
    branch_id: Text
    amount_paise: Paise
    currency: Literal["INR"]
    method: PaymentMethod
    gateway: Literal["razorpay"]
    captured_at: Timestamp


class PaymentCaptureMismatched(EventData):
    """A capture whose amount or currency is not its order's: recorded, never counted as paid.

    A type of its own (not extra fields on `payment.*.paid`) so that no consumer of the paid events can take
    it for a payment of the order; `amount_paise`/`currency` are what the gateway captured, `order_*` what
    the order asked for.
    """

    payment_id: PaymentId
    order_id: OrderId
    booking_id: Text
    patient_id: Text
    branch_id: Text
    purpose: Literal["deposit", "balance"]
    amount_paise: Paise
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    order_amount_paise: Paise
    order_currency: Literal["INR"]
    method: PaymentMethod
    gateway: Literal["razorpay"]
    captured_at: Timestamp


class RefundEvent(EventData):
    refund_id: RefundId
    payment_id: PaymentId
    amount_paise: Paise
    reason: Text


class TeleRoomCreated(EventData):
    booking_id: Text
    room_id: Text
    patient_id: Text
    doctor_id: Text
    branch_id: Text
    provider: Literal["jitsi"]
    slot_start: Timestamp
    link_valid_from: Timestamp
    link_expires_at: Timestamp


class TeleSessionStarted(EventData):
    booking_id: Text
    room_id: Text
    branch_id: Text
    started_at: Timestamp


class TeleSessionCompleted(EventData):
    booking_id: Text
    room_id: Text
    branch_id: Text
    started_at: Timestamp
    ended_at: Timestamp
    duration_seconds: Annotated[int, Field(strict=True, ge=0)]


class TeleSessionFailed(EventData):
    booking_id: Text
    room_id: Text
    branch_id: Text
    failed_at: Timestamp
    reason: Text


EVENT_TYPES: dict[str, type[EventData]] = {
    "appointment.booked": AppointmentBooked,
    "appointment.cancelled": AppointmentCancelled,
    "appointment.rescheduled": AppointmentRescheduled,
    "appointment.completed": AppointmentClosed,
    "appointment.no_show": AppointmentClosed,
    "payment.initiated": PaymentInitiated,
    "payment.deposit.paid": PaymentCaptured,
    "payment.balance.paid": PaymentCaptured,
    "payment.capture.mismatched": PaymentCaptureMismatched,
    "payment.refund.initiated": RefundEvent,
    "payment.refund.issued": RefundEvent,
    "tele.room.created": TeleRoomCreated,
    "tele.session.started": TeleSessionStarted,
    "tele.session.completed": TeleSessionCompleted,
    "tele.session.failed": TeleSessionFailed,
}
TELE_TYPES = tuple(t for t in EVENT_TYPES if t.startswith("tele."))
