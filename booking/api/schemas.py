"""Request and response bodies of the API (pydantic at the boundary)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from booking.domain.channels import CAMPAIGN_PATTERN, CHANNEL_PATTERN, DEFAULT_CAMPAIGN, DEFAULT_CHANNEL

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$"
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-.:]{7,127}$"
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"
PHONE_RE = re.compile(r"^(?:\+?91)?([6-9]\d{9})$")

Id = Annotated[str, Field(pattern=ID_PATTERN, examples=["br_blr01"])]
VisitType = Literal["in_person", "tele"]
Channel = Annotated[
    str,
    Field(
        pattern=CHANNEL_PATTERN,
        description="Where the patient came from: portal, widget, qr, whatsapp, referral, front_desk…",
        examples=["qr"],
    ),
]
Campaign = Annotated[
    str,
    Field(
        pattern=CAMPAIGN_PATTERN,
        description="Campaign code of the link ('' for none)",
        examples=["diwali-2026"],
    ),
]
CancelReason = Literal[
    "patient_request", "doctor_unavailable", "schedule_conflict", "payment_not_completed", "other"
]


def _reasonable_instant(value: datetime) -> datetime:
    if not 2000 <= value.year <= 2100:
        raise ValueError("must be a date-time between the years 2000 and 2100")
    value = value.astimezone(UTC)
    if value.second or value.microsecond:
        raise ValueError("slot times are whole minutes")
    return value


def _phone(value: str) -> str:
    match = PHONE_RE.match(re.sub(r"[\s\-()]", "", value))
    if match is None:
        raise ValueError("must be an Indian mobile number: 10 digits starting 6-9, optionally with +91")
    return f"+91{match.group(1)}"


def _name(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError("must not be blank")
    return value


SlotTime = Annotated[AwareDatetime, AfterValidator(_reasonable_instant)]
Phone = Annotated[
    str, Field(min_length=10, max_length=20, examples=["+919812345678"]), AfterValidator(_phone)
]
Name = Annotated[str, Field(min_length=1, max_length=100, pattern=TEXT_PATTERN), AfterValidator(_name)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """Every error: what is wrong in one sentence, and for validation errors each field and why."""

    detail: str
    errors: list[FieldError] = Field(default_factory=list)


class BranchOut(BaseModel):
    branch_id: str
    name: str
    city: str
    state: str


class DoctorOut(BaseModel):
    doctor_id: str
    branch_id: str
    name: str
    specialty: str
    consultation_fee_paise: int | None = Field(description="null when the tenant shows prices to staff only")
    tele_fee_paise: int | None = Field(description="null when the tenant shows prices to staff only")


class SlotOut(BaseModel):
    slot_start: datetime
    slot_end: datetime
    visit_types: list[VisitType]


class PriceOut(BaseModel):
    doctor_id: str
    branch_id: str
    specialty: str
    in_person_fee_paise: int
    in_person_deposit_paise: int
    tele_fee_paise: int = Field(description="tele visits are prepaid in full")
    currency: Literal["INR"] = "INR"


class PatientIn(_In):
    name: Name
    phone: Phone
    email: Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = Field(
        default=None, description="for email messages (when the clinic sends email)"
    )
    language: Annotated[str, Field(pattern=r"^[a-z]{2}$")] | None = Field(
        default=None,
        description="the language of the patient's messages (en, hi, ta…); default: the clinic's",
    )


class BookingCreate(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "branch_id": "br_blr01",
                    "doctor_id": "doc_blr01_01",
                    "slot_start": "2026-10-02T04:30:00Z",
                    "visit_type": "in_person",
                    "patient": {"name": "Asha Rao", "phone": "+919812345678"},
                    "channel": "qr",
                    "campaign": "waiting-room",
                }
            ]
        },
    )
    branch_id: Id
    doctor_id: Id
    slot_start: SlotTime
    visit_type: VisitType = "in_person"
    patient: PatientIn
    channel: Channel = DEFAULT_CHANNEL
    campaign: Campaign = DEFAULT_CAMPAIGN


class CancelIn(_In):
    reason: CancelReason = "patient_request"


class RescheduleIn(_In):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"slot_start": "2026-10-02T05:00:00Z"}]}
    )
    slot_start: SlotTime


class OrderCreate(_In):
    purpose: Literal["deposit", "balance"]


class OrderOut(BaseModel):
    order_id: str
    purpose: Literal["deposit", "balance"]
    amount_paise: int
    currency: Literal["INR"] = "INR"
    status: Literal["created", "paid", "closed"]
    gateway: Literal["razorpay"] = "razorpay"
    created_at: datetime


class RefundOut(BaseModel):
    refund_id: str
    payment_id: str
    amount_paise: int
    reason: str
    status: Literal["initiated", "processed", "failed"]


class BookingOut(BaseModel):
    booking_id: str
    branch_id: str
    doctor_id: str
    patient_id: str
    visit_type: VisitType
    status: Literal["pending_payment", "confirmed", "cancelled", "completed", "no_show", "expired"]
    slot_start: datetime
    slot_end: datetime
    fee_paise: int
    deposit_paise: int
    paid_paise: int
    refunded_paise: int
    balance_due_paise: int
    cancel_reason: str | None
    channel: str
    campaign: str
    tele_room_id: str | None
    created_at: datetime
    updated_at: datetime
    orders: list[OrderOut]
    refunds: list[RefundOut]


class TeleLinkOut(BaseModel):
    room_id: str
    join_url: str
    valid_from: datetime
    expires_at: datetime
    role: Literal["patient", "doctor"]


class WebhookAck(BaseModel):
    status: Literal["processed", "duplicate"]
    detail: str


class StatusAck(BaseModel):
    """What a delivery webhook brought: statuses stored now, statuses stored before (a replay), provider
    words that are not delivery statuses, opt-out keywords seen."""

    status: Literal["processed"] = "processed"
    stored: int
    duplicates: int
    ignored: int
    opt_outs: int


class AuditOut(BaseModel):
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: datetime


class Health(BaseModel):
    status: Literal["ok"]
    database: str


class AdtAccepted(BaseModel):
    """A pushed ADT event was stored (or had been: a resend of the same message id is stored once)."""

    status: Literal["stored", "duplicate"]
    message_id: str
    sender: str
