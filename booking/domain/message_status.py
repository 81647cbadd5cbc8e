"""Inbound message statuses (messaging contract, issue 12): what a provider said about a message we sent,
normalised, and the `message.status.<status>` CloudEvent each becomes.

Normalised statuses: sent < delivered < read; failed is terminal (the furthest-status rule lives in the
marts). Each provider's own word for a status maps to one of them; a word not in a map (Meta's `deleted`,
SendGrid's `deferred` or `spamreport`) is not a delivery status of a message and becomes no event.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Timestamp = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")]
Text = Annotated[str, Field(min_length=1, max_length=200)]
Optional = Annotated[str, Field(max_length=200)] | None

InboundProvider = Literal["meta", "msg91", "sendgrid"]
Status = Literal["sent", "delivered", "read", "failed"]
STATUSES: tuple[str, ...] = ("sent", "delivered", "read", "failed")
STATUS_EVENT_PREFIX = "message.status."
STATUS_EVENT_TYPES: tuple[str, ...] = tuple(STATUS_EVENT_PREFIX + s for s in STATUSES)

# WhatsApp Business Cloud API, statuses[].status. `played` (a voice message was played) is more than read.
META_STATUSES: dict[str, str] = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "played": "read",
    "failed": "failed",
}
# SendGrid Event Webhook, `event`: processed (accepted for delivery), delivered (the receiving server took
# it), open/click (read), bounce/dropped (failed).
SENDGRID_EVENTS: dict[str, str] = {
    "processed": "sent",
    "delivered": "delivered",
    "open": "read",
    "click": "read",
    "bounce": "failed",
    "dropped": "failed",
}
# MSG91 delivery report `status` codes: 1 delivered, 2 failed, 9 NDNC (promotional SMS to a do-not-disturb
# number), 16 and 25 rejected, 17 blocked number.
MSG91_STATUS_CODES: dict[str, str] = {
    "1": "delivered",
    "2": "failed",
    "9": "failed",
    "16": "failed",
    "17": "failed",
    "25": "failed",
}


class MessageStatus(BaseModel):
    """`data` of `message.status.<status>`: one provider status of one message (contract fields)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: InboundProvider
    provider_message_id: Text
    status: Status
    provider_status: Text
    status_time: Timestamp
    recipient_masked: Text
    error_code: Optional = None
    error_title: Optional = None
    pricing_category: Optional = None
    pricing_billable: bool | None = None
    conversation_id: Optional = None
    conversation_origin: Optional = None
    conversation_expires_at: Timestamp | None = None
