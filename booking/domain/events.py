"""The CloudEvents this service emits: the foundation contract (docs/reconciliation.md, "Events") plus `tele.*`,
`appointment.expired`, and the worker's own `ops.webhook.delivery.*` metrics.

Every event's `data` is validated against its model before it is written to the outbox, so a change here
that breaks the contract fails at the write, not in the warehouse.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from booking.domain.channels import CAMPAIGN_PATTERN, CHANNEL_PATTERN
from booking.domain.message_status import STATUS_EVENT_TYPES, MessageStatus
from booking.domain.messaging import Channel, Language, OutboundProvider, Purpose
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
    channel: Annotated[str, Field(pattern=CHANNEL_PATTERN)]
    campaign: Annotated[str, Field(pattern=CAMPAIGN_PATTERN)]


class AppointmentCancelled(EventData):
    booking_id: Text
    reason: Text


class AppointmentRescheduled(EventData):
    booking_id: Text
    old_slot_start: Timestamp
    new_slot_start: Timestamp


class AppointmentClosed(EventData):
    booking_id: Text


class AppointmentExpired(EventData):
    """An unpaid booking that held its slot for the tenant's `payment_hold_minutes`: the slot is free again."""

    booking_id: Text
    hold_minutes: Annotated[int, Field(strict=True, gt=0)]


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


class WebhookDelivery(EventData):
    """A metric of one partner webhook delivery run (never the secret, the URL or the event's payload).

    `attempts`: HTTP attempts for this endpoint and event so far; `latency_ms`: the last attempt's round
    trip; `status_code`: the partner's last answer (null when the connection failed); `error`: why the last
    attempt failed ("HTTP 500", "ConnectError"; null on success)."""

    endpoint: Text
    event_id: Text
    event_type: Text
    attempts: Annotated[int, Field(strict=True, ge=1)]
    latency_ms: Annotated[int, Field(strict=True, ge=0)]
    status_code: Annotated[int, Field(strict=True, ge=100, le=599)] | None
    error: Annotated[str, Field(max_length=200)] | None


# ---- outbound patient messages (issue 12, the messaging contract; `subject` = the message id) ----

MessageId = Annotated[str, Field(pattern=r"^msg_\w+$")]
Masked = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^.*\*.*$")]  # masked: never whole


class MessageQueued(EventData):
    message_id: MessageId
    booking_id: Text | None
    patient_id: Text
    branch_id: Text
    channel: Channel
    provider: OutboundProvider
    template: Text
    language: Language
    purpose: Purpose
    recipient_masked: Masked
    scheduled_for: Timestamp


class MessageDeferred(EventData):
    message_id: MessageId
    reason: Literal["quiet_hours"]
    deferred_until: Timestamp


class MessageSuppressed(EventData):
    message_id: MessageId
    reason: Literal["opted_out"]


class MessageSent(EventData):
    message_id: MessageId
    provider: OutboundProvider
    provider_message_id: Annotated[str, Field(min_length=1, max_length=300)]
    attempt: Annotated[int, Field(strict=True, ge=1)]
    sent_at: Timestamp
    segments: Annotated[int, Field(strict=True, ge=1)] | None


class MessageAttemptFailed(EventData):
    message_id: MessageId
    attempt: Annotated[int, Field(strict=True, ge=1)]
    error_code: Text
    retryable: bool
    retry_after_seconds: Annotated[int, Field(strict=True, ge=0)] | None


class MessageDeadLettered(EventData):
    message_id: MessageId
    attempts: Annotated[int, Field(strict=True, ge=0)]
    error_code: Text
    reason: Text


class MessageOptedOut(EventData):
    patient_id: Text
    channel: Channel
    keyword: Text
    received_at: Timestamp


MESSAGE_EVENT_TYPES: dict[str, type[BaseModel]] = {
    "message.queued": MessageQueued,
    "message.deferred": MessageDeferred,
    "message.suppressed": MessageSuppressed,
    "message.sent": MessageSent,
    "message.attempt_failed": MessageAttemptFailed,
    "message.dead_lettered": MessageDeadLettered,
    "message.opted_out": MessageOptedOut,
}

MESSAGE_PREFIX = "message."  # patient messages: staged apart from the booking facts

# ---- end of outbound patient messages ----


EVENT_TYPES: dict[str, type[BaseModel]] = {
    "appointment.booked": AppointmentBooked,
    "appointment.cancelled": AppointmentCancelled,
    "appointment.rescheduled": AppointmentRescheduled,
    "appointment.completed": AppointmentClosed,
    "appointment.no_show": AppointmentClosed,
    "appointment.expired": AppointmentExpired,
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
    "ops.webhook.delivery.succeeded": WebhookDelivery,
    "ops.webhook.delivery.failed": WebhookDelivery,
    "ops.webhook.delivery.dead_lettered": WebhookDelivery,
    **MESSAGE_EVENT_TYPES,
    # Inbound provider statuses of messages (WhatsApp, SMS, email): booking/domain/message_status.py
    **dict.fromkeys(STATUS_EVENT_TYPES, MessageStatus),
}
TELE_TYPES = tuple(t for t in EVENT_TYPES if t.startswith("tele."))
OPS_PREFIX = "ops."
OPS_TYPES = tuple(t for t in EVENT_TYPES if t.startswith(OPS_PREFIX))  # about the service, never to partners
