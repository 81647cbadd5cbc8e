"""What the three providers' delivery webhooks reduce to: contract statuses, each with the id of its
receipt (the replay guard), what was not a status, and inbound opt-out keywords."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from booking.domain.clock import rfc3339
from booking.domain.message_status import MessageStatus

OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})


class PayloadError(ValueError):
    """The body is not the provider's webhook shape; the message names the field."""


@dataclass(frozen=True, slots=True)
class OptOutRequest:
    """An inbound message that is an opt-out keyword. `sender` is the raw number (used to find the patient,
    never logged or stored unmasked)."""

    channel: str
    sender: str
    keyword: str
    received_at: datetime
    provider_message_id: str


@dataclass
class Parsed:
    statuses: list[tuple[str, MessageStatus]] = field(default_factory=list)  # (receipt id, status)
    ignored: list[str] = field(default_factory=list)  # provider words that are not delivery statuses
    opt_outs: list[OptOutRequest] = field(default_factory=list)


def receipt_id(*parts: str) -> str:
    """A status's replay-guard id: the hash of what makes it the same status."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def epoch_utc(value: str | int, where: str) -> datetime:
    text = str(value).strip()
    if not text.isdigit() or not 946684800 <= int(text) <= 4102444800:
        raise PayloadError(f"{where}: {text[:20]!r} is not a time in epoch seconds (2000..2100)")
    return datetime.fromtimestamp(int(text), UTC)


def utc_text(when: datetime) -> str:
    return rfc3339(when.astimezone(UTC))
