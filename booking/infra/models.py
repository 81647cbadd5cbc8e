"""The booking service's tables (SQLAlchemy 2). The schema itself is made by the Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

BOOKING_STATUSES = ("pending_payment", "confirmed", "cancelled", "completed", "no_show", "expired")
# A cancelled or expired booking no longer holds its slot.
ACTIVE_BOOKING = "status not in ('cancelled', 'expired')"
ORDER_STATUSES = ("created", "paid", "closed")
PAYMENT_STATUSES = ("created", "authorized", "failed", "captured", "refunded")
REFUND_STATUSES = ("initiated", "processed", "failed")
ROOM_STATUSES = ("created", "started", "completed", "failed")
PURPOSES = ("deposit", "balance")
VISIT_TYPES = ("in_person", "tele")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Id = String(64)
Money = BigInteger
AutoId = BigInteger().with_variant(Integer, "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} in ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Tenant(Base):
    __tablename__ = "tenants"
    tenant_id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Branch(Base):
    __tablename__ = "branches"
    __table_args__ = (ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),)
    tenant_id: Mapped[str] = mapped_column(Id, primary_key=True)
    branch_id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)


class Doctor(Base):
    __tablename__ = "doctors"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "branch_id"], ["branches.tenant_id", "branches.branch_id"]),
        CheckConstraint("consultation_fee_paise > 0", name="fee_positive"),
        CheckConstraint("tele_fee_paise is null or tele_fee_paise > 0", name="tele_fee_positive"),
        Index(None, "tenant_id", "branch_id"),
    )
    tenant_id: Mapped[str] = mapped_column(Id, primary_key=True)
    doctor_id: Mapped[str] = mapped_column(Id, primary_key=True)
    branch_id: Mapped[str] = mapped_column(Id)
    name: Mapped[str] = mapped_column(String(200))
    specialty: Mapped[str] = mapped_column(String(100))
    consultation_fee_paise: Mapped[int] = mapped_column(Money)
    tele_fee_paise: Mapped[int | None] = mapped_column(Money, nullable=True)
    active: Mapped[bool] = mapped_column(default=True)


class DoctorSchedule(Base):
    """A doctor's weekly sitting: on `weekday` (Monday 0, IST) from `start_minute` to `end_minute` after IST
    midnight, in slots of `slot_minutes`; `visit_types` is a comma list (`in_person,tele`)."""

    __tablename__ = "doctor_schedules"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "doctor_id"], ["doctors.tenant_id", "doctors.doctor_id"]),
        CheckConstraint("weekday between 0 and 6", name="weekday"),
        CheckConstraint(
            "start_minute >= 0 and end_minute <= 1440 and start_minute < end_minute", name="hours"
        ),
        CheckConstraint("slot_minutes between 5 and 240", name="slot_minutes"),
        Index(None, "tenant_id", "doctor_id", "weekday"),
    )
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(Id)
    doctor_id: Mapped[str] = mapped_column(Id)
    weekday: Mapped[int] = mapped_column(Integer)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    visit_types: Mapped[str] = mapped_column(String(40), default="in_person,tele")


class Patient(Base):
    __tablename__ = "patients"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),
        UniqueConstraint("tenant_id", "phone"),
    )
    patient_id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(Id)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)  # for email messages
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)  # messages' language (en, hi, ta…)


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "doctor_id"], ["doctors.tenant_id", "doctors.doctor_id"]),
        ForeignKeyConstraint(["patient_id"], ["patients.patient_id"]),
        CheckConstraint(_in("status", BOOKING_STATUSES), name="status"),
        CheckConstraint(_in("visit_type", VISIT_TYPES), name="visit_type"),
        CheckConstraint("fee_paise > 0 and deposit_paise >= 0 and deposit_paise <= fee_paise", name="money"),
        # The double-booking guard: one live booking per doctor and slot start, enforced by the database.
        Index(
            "uq_bookings_live_slot",
            "tenant_id",
            "doctor_id",
            "slot_start",
            unique=True,
            sqlite_where=text(ACTIVE_BOOKING),
            postgresql_where=text(ACTIVE_BOOKING),
        ),
        Index(None, "tenant_id", "patient_id"),
    )
    booking_id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(Id)
    branch_id: Mapped[str] = mapped_column(Id)
    doctor_id: Mapped[str] = mapped_column(Id)
    patient_id: Mapped[str] = mapped_column(Id)
    visit_type: Mapped[str] = mapped_column(String(16))
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    fee_paise: Mapped[int] = mapped_column(Money)
    deposit_paise: Mapped[int] = mapped_column(Money)
    channel: Mapped[str] = mapped_column(String(20), default="portal")
    campaign: Mapped[str] = mapped_column(String(40), default="", server_default="")
    cancel_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    reschedule_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PaymentOrder(Base):
    __tablename__ = "payment_orders"
    __table_args__ = (
        ForeignKeyConstraint(["booking_id"], ["bookings.booking_id"]),
        CheckConstraint("amount_paise > 0", name="amount_positive"),
        CheckConstraint(_in("purpose", PURPOSES), name="purpose"),
        CheckConstraint(_in("status", ORDER_STATUSES), name="status"),
        Index(None, "booking_id"),
    )
    order_id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(Id)
    booking_id: Mapped[str] = mapped_column(Id)
    purpose: Mapped[str] = mapped_column(String(16))
    amount_paise: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="INR")
    status: Mapped[str] = mapped_column(String(16), default="created")
    paid_by_payment_id: Mapped[str | None] = mapped_column(Id, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        ForeignKeyConstraint(["order_id"], ["payment_orders.order_id"]),
        CheckConstraint("amount_paise > 0", name="amount_positive"),
        CheckConstraint(_in("status", PAYMENT_STATUSES), name="status"),
        Index(None, "order_id"),
        Index(None, "booking_id"),
    )
    payment_id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(Id)
    order_id: Mapped[str] = mapped_column(Id)
    booking_id: Mapped[str] = mapped_column(Id)
    amount_paise: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    authorized_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (
        ForeignKeyConstraint(["payment_id"], ["payments.payment_id"]),
        CheckConstraint("amount_paise > 0", name="amount_positive"),
        CheckConstraint(_in("status", REFUND_STATUSES), name="status"),
        Index(None, "payment_id"),
    )
    refund_id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(Id)
    payment_id: Mapped[str] = mapped_column(Id)
    booking_id: Mapped[str] = mapped_column(Id)
    amount_paise: Mapped[int] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    initiated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TeleRoom(Base):
    __tablename__ = "tele_rooms"
    __table_args__ = (
        ForeignKeyConstraint(["booking_id"], ["bookings.booking_id"]),
        CheckConstraint(_in("status", ROOM_STATUSES), name="status"),
        UniqueConstraint("booking_id"),
    )
    room_id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(Id)
    booking_id: Mapped[str] = mapped_column(Id)
    room_name: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebhookReceipt(Base):
    """One row per inbound webhook event of a tenant (whose secret signed it), source and event id: the replay
    guard (insert conflicts = a replay). Keyed per tenant so one tenant's ids never shadow another's."""

    __tablename__ = "webhook_receipts"
    tenant_id: Mapped[str] = mapped_column(Id, primary_key=True)
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    tenant_id: Mapped[str] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxEvent(Base):
    """A CloudEvent written in the same transaction as the state change it describes."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        Index(
            "ix_outbox_events_pending",
            "tenant_id",
            "seq",
            sqlite_where=text("exported_at is null"),
            postgresql_where=text("exported_at is null"),
        ),
    )
    seq: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    tenant_id: Mapped[str] = mapped_column(Id)
    branch_id: Mapped[str] = mapped_column(Id)
    event_type: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Id)
    event_time: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text)
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    export_batch: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)


class PartnerDelivery(Base):
    """An outbox event delivered (or given up on) to one partner webhook."""

    __tablename__ = "partner_deliveries"
    endpoint: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(Id)
    status_code: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer)
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PartnerDeliveryFailure(Base):
    """An outbox event one partner webhook has not accepted yet: attempts so far, the last error, and when
    the worker may try again. Gone once it is delivered (partner_deliveries) or dead-lettered."""

    __tablename__ = "partner_delivery_failures"
    endpoint: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(Id)
    attempts: Mapped[int] = mapped_column(Integer)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str] = mapped_column(String(200))
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PartnerDeadLetter(Base):
    """An outbox event a partner webhook did not accept after the configured number of tries (or refused
    with a 4xx). `replayed_at` is set when an operator sends it again (`mymedic booking webhooks dlq replay`)."""

    __tablename__ = "partner_dead_letters"
    __table_args__ = (UniqueConstraint("endpoint", "event_id"),)
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    endpoint: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[str] = mapped_column(Id)
    event_type: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str] = mapped_column(String(200))
    dead_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index(None, "tenant_id", "entity_type", "entity_id"),)
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(Id)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[str | None] = mapped_column(Text, nullable=True)
    after: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


def snapshot(row: Base, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """A row's columns as JSON-ready values (for audit before/after)."""
    out: dict[str, Any] = {}
    for column in row.__table__.columns:
        if column.key in exclude:
            continue
        value = getattr(row, column.key)
        out[column.key] = value.isoformat() if isinstance(value, datetime) else value
    return out


class AdtInboundEvent(Base):
    """An ADT event a tenant's HIS pushed (`POST /v1/adt/events`), stored as received before the 202: a FHIR
    R4 Encounter (with its Patient) or the platform's JSON ADT event. One row per (tenant, sender, message
    id): a resent message is stored once. `mymedic booking export-adt` writes the rows not yet exported as
    NDJSON for the adt_fhir feed and marks them exported in the same transaction."""

    __tablename__ = "adt_inbound_events"
    __table_args__ = (
        CheckConstraint("kind in ('fhir', 'adt_event')", name="kind"),
        UniqueConstraint("tenant_id", "sender", "message_id"),
        Index(
            "ix_adt_inbound_events_pending",
            "tenant_id",
            "seq",
            sqlite_where=text("exported_at is null"),
            postgresql_where=text("exported_at is null"),
        ),
    )
    seq: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(Id)
    sender: Mapped[str] = mapped_column(Id)
    message_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    export_batch: Mapped[str | None] = mapped_column(String(64), nullable=True)


MESSAGE_STATES = ("queued", "deferred", "retrying", "sent", "suppressed", "superseded", "dead_lettered")


class Message(Base):
    """A patient message (issue 12), queued with the domain event that asked for it (same transaction) and
    sent by the worker's `messages` job, never inside a request. `recipient` is the phone number or email
    address the provider needs (never in an event or a log line: those carry `recipient_masked`);
    `variables` the template's values as JSON. A message with a `provider_message_id` was accepted by its
    provider and is never sent again. A `dead_lettered` message has its open row in `message_dead_letters`
    (`mymedic messages dlq list|replay`)."""

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint("state in " + str(MESSAGE_STATES), name="state"),
        Index(None, "state", "next_attempt_at"),
        Index(None, "tenant_id", "booking_id"),
    )
    message_id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(Id)
    branch_id: Mapped[str] = mapped_column(Id)
    booking_id: Mapped[str | None] = mapped_column(Id, nullable=True)
    patient_id: Mapped[str] = mapped_column(Id)
    channel: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(32))
    template: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(320))
    recipient_masked: Mapped[str] = mapped_column(String(200))
    variables: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider_message_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    segments: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    dead_lettered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    replayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MessageOptOut(Base):
    """A patient who stopped messages on one channel (STOP, WhatsApp's opt-out): nothing more is sent there."""

    __tablename__ = "message_opt_outs"
    tenant_id: Mapped[str] = mapped_column(Id, primary_key=True)
    patient_id: Mapped[str] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    keyword: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


DEAD_LETTER_REASONS = ("permanent", "exhausted")


class MessageDeadLetter(Base):
    """One dead-lettering of a message, written in the transaction that marks it `dead_lettered`: a
    permanent error (invalid number, template rejected) or `max_attempts` exhausted, with the last error
    (`last_error_code`: the provider's code, `HTTP 503`, `SMTP 550`; `last_status_code`: the HTTP or SMTP
    status, null when no answer). `replayed_at` and `replay_outcome` are set when an operator sends it again
    (`mymedic messages dlq replay`); a message dead-lettered again gets a new row. No recipient here: the
    list shows the message's masked one."""

    __tablename__ = "message_dead_letters"
    __table_args__ = (
        CheckConstraint("reason in " + str(DEAD_LETTER_REASONS), name="reason"),
        ForeignKeyConstraint(["message_id"], ["messages.message_id"]),
        Index(None, "message_id"),
        Index(
            "uq_message_dead_letters_open",
            "message_id",
            unique=True,
            sqlite_where=text("replayed_at is null"),
            postgresql_where=text("replayed_at is null"),
        ),
    )
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(Id)
    tenant_id: Mapped[str] = mapped_column(Id)
    channel: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error_code: Mapped[str] = mapped_column(String(64))
    last_error: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(16))
    dead_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    replay_outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
