"""Patient messaging, the words and rules (issue 12): channels, providers, purposes, statuses, templates per
tenant and language, which domain events make which messages, masking, quiet hours, SMS segments.

The vocabulary is the messaging contract shared by the outbound (this service's sender) and the inbound side
(provider delivery logs); keep it exactly. Plain Python and pydantic: no I/O but reading a templates file.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from booking.domain.recipients import mask_email, mask_phone
from booking.settings import ConfigError, QuietHours, load_json_model
from core.time import IST

Channel = Literal["whatsapp", "sms", "email"]
Provider = Literal["meta", "msg91", "smtp", "sendgrid"]
OutboundProvider = Literal["meta", "msg91", "smtp"]
Purpose = Literal[
    "booking_confirmation",
    "reschedule_notice",
    "cancellation_notice",
    "reminder_24h",
    "reminder_2h",
    "tele_link",
    "refund_notice",
    "follow_up_recall",
]
Status = Literal["queued", "sent", "delivered", "read", "failed"]
Language = Annotated[str, Field(pattern=r"^[a-z]{2}$")]

CHANNELS: tuple[str, ...] = get_args(Channel)
PURPOSES: tuple[str, ...] = get_args(Purpose)
STATUS_ORDER = {"queued": 0, "sent": 1, "delivered": 2, "read": 3}  # `failed` is terminal, outside the order
# outbound provider per channel (inbound email status events come from `sendgrid`)
OUTBOUND_PROVIDER: dict[str, str] = {"whatsapp": "meta", "sms": "msg91", "email": "smtp"}
REMINDERS = frozenset({"reminder_24h", "reminder_2h"})
REMINDER_LEAD = {"reminder_24h": timedelta(hours=24), "reminder_2h": timedelta(hours=2)}

# The per-message state in the `messages` table (not the contract's normalised status).
MessageState = Literal["queued", "deferred", "retrying", "sent", "suppressed", "superseded", "dead_lettered"]
PENDING_STATES = ("queued", "deferred", "retrying")

_COMMON = ("patient_name", "clinic_name", "branch_name", "doctor_name", "slot_time", "booking_id")
VARIABLES: dict[str, frozenset[str]] = {
    "booking_confirmation": frozenset(_COMMON),
    "reschedule_notice": frozenset((*_COMMON, "old_slot_time")),
    "cancellation_notice": frozenset(_COMMON),
    "reminder_24h": frozenset(_COMMON),
    "reminder_2h": frozenset(_COMMON),
    "tele_link": frozenset((*_COMMON, "link_opens_time")),
    "refund_notice": frozenset(("patient_name", "clinic_name", "booking_id", "amount")),
    "follow_up_recall": frozenset(
        ("patient_name", "clinic_name", "branch_name", "doctor_name", "booking_id")
    ),
}


# ---- masking: phone numbers and email addresses never appear whole in events or logs ----


def mask_recipient(channel: str, recipient: str) -> str:
    return mask_email(recipient) if channel == "email" else mask_phone(recipient)


# ---- templates ----


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WhatsAppTemplate(_Strict):
    """An approved WhatsApp template: its name in WhatsApp Manager; body parameters in the order of the
    text's placeholders."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,512}$")]


class SmsTemplate(_Strict):
    """An MSG91 template (its id in the MSG91 panel) and the DLT template id it is registered under (TRAI's
    DLT rules: every commercial SMS in India names its registered template, 19 digits)."""

    msg91_template_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{6,40}$")]
    dlt_template_id: Annotated[str, Field(pattern=r"^\d{19}$")]


class EmailTemplate(_Strict):
    subject: Annotated[str, Field(min_length=1, max_length=200)]


class Template(_Strict):
    purpose: Purpose
    language: Language
    text: Annotated[str, Field(min_length=1, max_length=1000)]
    whatsapp: WhatsAppTemplate | None = None
    sms: SmsTemplate | None = None
    email: EmailTemplate | None = None

    @property
    def variables(self) -> tuple[str, ...]:
        """The text's placeholders in order (WhatsApp {{1}}.., MSG91 var1.. follow this order)."""
        return tuple(name for _, name, _, _ in string.Formatter().parse(self.text) if name)

    @model_validator(mode="after")
    def _known_variables(self) -> Template:
        try:
            names = self.variables
        except ValueError as exc:
            raise ValueError(
                f"template {self.purpose}/{self.language}: text is not a template ({exc})"
            ) from None
        unknown = sorted(set(names) - VARIABLES[self.purpose])
        if unknown:
            raise ValueError(
                f"template {self.purpose}/{self.language}: unknown variable {{{unknown[0]}}} "
                f"(known: {', '.join(sorted(VARIABLES[self.purpose]))})"
            )
        if len(names) != len(set(names)):
            raise ValueError(f"template {self.purpose}/{self.language}: a variable is used twice")
        return self

    def render(self, values: dict[str, str]) -> str:
        return self.text.format_map(values)

    def parameters(self, values: dict[str, str]) -> list[str]:
        return [values[name] for name in self.variables]

    def name_for(self, channel: str) -> str:
        """The template's name as the channel's provider knows it (the contract's `template`)."""
        if channel == "whatsapp" and self.whatsapp:
            return self.whatsapp.name
        if channel == "sms" and self.sms:
            return self.sms.msg91_template_id
        return f"{self.purpose}_{self.language}"


class TemplateSet(_Strict):
    """A tenant's templates: one per purpose and language, each language complete."""

    languages: Annotated[list[Language], Field(min_length=1)]
    templates: list[Template]

    @model_validator(mode="after")
    def _complete(self) -> TemplateSet:
        have = {(t.purpose, t.language) for t in self.templates}
        if len(have) != len(self.templates):
            raise ValueError("two templates for one purpose and language")
        for language in self.languages:
            for purpose in PURPOSES:
                if (purpose, language) not in have:
                    raise ValueError(f"no template for {purpose} in language {language}")
        return self

    def get(self, purpose: str, language: str) -> Template:
        chosen = language if language in self.languages else self.languages[0]
        return next(t for t in self.templates if t.purpose == purpose and t.language == chosen)

    def check_channels(self, channels: list[str], where: str) -> None:
        for t in self.templates:
            for channel in channels:
                if channel != "email" and getattr(t, channel) is None:
                    raise ConfigError(f"{where}: template {t.purpose}/{t.language} has no {channel} block")
                if channel == "email" and t.email is None:
                    raise ConfigError(f"{where}: template {t.purpose}/{t.language} has no email block")


DEFAULT_TEMPLATES = Path(__file__).with_name("message_templates.json")


@lru_cache(maxsize=32)
def load_templates(path: str | None = None) -> TemplateSet:
    """A templates file (default: the shipped one), validated; any problem is one ConfigError line."""
    chosen = Path(path) if path else DEFAULT_TEMPLATES
    return load_json_model(TemplateSet, chosen, f"message templates {chosen}")


# ---- which events make which messages ----


@dataclass(frozen=True)
class Planned:
    purpose: str
    scheduled_for: datetime


def planned_for(
    event_type: str, slot_start: datetime | None, now: datetime, follow_up_days: int | None
) -> list[Planned]:
    """The messages one domain event asks for (reminders only while they are still ahead)."""

    def reminders() -> list[Planned]:
        assert slot_start is not None
        due = [Planned(p, slot_start - lead) for p, lead in REMINDER_LEAD.items()]
        return [p for p in due if p.scheduled_for > now]

    if event_type == "appointment.booked":
        return [Planned("booking_confirmation", now), *reminders()]
    if event_type == "appointment.rescheduled":
        return [Planned("reschedule_notice", now), *reminders()]
    if event_type == "appointment.cancelled":
        return [Planned("cancellation_notice", now)]
    if event_type == "tele.room.created":
        return [Planned("tele_link", now)]
    if event_type == "payment.refund.issued":
        return [Planned("refund_notice", now)]
    if event_type == "appointment.completed" and follow_up_days:
        return [Planned("follow_up_recall", now + timedelta(days=follow_up_days))]
    return []


# events after which a booking's pending reminders no longer apply
SUPERSEDES_REMINDERS = frozenset(
    {
        "appointment.rescheduled",
        "appointment.cancelled",
        "appointment.expired",
        "appointment.no_show",
        "appointment.completed",
    }
)
# every domain event that makes or supersedes messages (the others are not looked at)
MESSAGE_SOURCES = SUPERSEDES_REMINDERS | {"appointment.booked", "tele.room.created", "payment.refund.issued"}


# ---- quiet hours (IST): reminders wait; confirmations go out ----


def _hhmm(value: str) -> time:
    hours, minutes = (int(x) for x in value.split(":"))
    return time(hours, minutes)


def quiet_until(quiet: QuietHours | None, at: datetime) -> datetime | None:
    """When the quiet hours around `at` end (UTC), or None when `at` is not inside them."""
    if quiet is None:
        return None
    local = at.astimezone(IST)
    start, end = _hhmm(quiet.start), _hhmm(quiet.end)
    now = local.time()
    inside = (start <= now or now < end) if start > end else (start <= now < end)
    if not inside:
        return None
    day = local.date() if now < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=IST).astimezone(at.tzinfo)


# ---- SMS segments (GSM 03.38 7-bit, else UCS-2) ----

_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXT = set("^{}\\[~]|€\f")


def sms_segments(text: str) -> int:
    """How many SMS parts `text` takes: GSM-7 160 (153 per part when split; extension characters count
    two), otherwise UCS-2 70 (67 per part; Hindi, Tamil…)."""
    if all(c in _GSM7 or c in _GSM7_EXT for c in text):
        units = sum(2 if c in _GSM7_EXT else 1 for c in text)
        single, part = 160, 153
    else:
        units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
        single, part = 70, 67
    return 1 if units <= single else -(-units // part)


# ---- delivery errors, as every adapter reports them ----


class SendError(Exception):
    """A provider did not take a message. `retryable`: worth another try (no answer, 5xx, rate limit);
    otherwise permanent (invalid number, template rejected). `opted_out`: the recipient stopped messages
    from us on this channel (WhatsApp's opt-out). `status_code`: the provider's HTTP status or SMTP reply
    code (None: no answer). The text never holds the recipient or a secret."""

    def __init__(
        self,
        error_code: str,
        reason: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
        opted_out: bool = False,
        status_code: int | None = None,
    ) -> None:
        super().__init__(f"{error_code}: {reason}")
        self.error_code = error_code
        self.reason = reason[:200]
        self.retryable = retryable
        self.retry_after = retry_after
        self.opted_out = opted_out
        self.status_code = status_code


@dataclass(frozen=True)
class Accepted:
    """The provider took the message: its id (the join key with its delivery reports)."""

    provider_message_id: str
    segments: int | None = None
