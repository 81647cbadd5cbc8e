"""WhatsApp Business Cloud API webhooks (Meta): the payload shape, reduced to message statuses.

`{"object": "whatsapp_business_account", "entry": [{"id": <WABA id>, "changes": [{"field": "messages",
"value": {"metadata": {...}, "statuses": [{"id": "wamid…", "status": "sent|delivered|read|failed|played",
"timestamp": "<epoch>", "recipient_id": "<wa id>", "errors": [{"code", "title", …}], "pricing":
{"billable", "pricing_model", "category"}, "conversation": {"id", "origin": {"type"},
"expiration_timestamp"}}], "messages": [<inbound messages>]}}]}]}`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from booking.domain.message_status import META_STATUSES, MessageStatus
from booking.domain.recipients import mask_emails_in, mask_phone
from booking.integrations.message_statuses import (
    OPT_OUT_KEYWORDS,
    OptOutRequest,
    Parsed,
    PayloadError,
    epoch_utc,
    receipt_id,
    utc_text,
)


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class MetaError(_Open):
    code: int | str
    title: str = ""
    message: str = ""


class MetaStatus(_Open):
    id: str
    status: str
    timestamp: str | int
    recipient_id: str
    errors: list[MetaError] = []
    pricing: dict[str, Any] | None = None
    conversation: dict[str, Any] | None = None


class MetaValue(_Open):
    statuses: list[MetaStatus] = []
    messages: list[dict[str, Any]] = []


class MetaChange(_Open):
    field: str = ""
    value: MetaValue


class MetaEntry(_Open):
    id: str
    changes: list[MetaChange] = []


class MetaWebhookPayload(_Open):
    object: str
    entry: list[MetaEntry]


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)[:200]


def _status(s: MetaStatus, where: str) -> MessageStatus:
    error = s.errors[0] if s.errors else None
    pricing = s.pricing or {}
    conversation = s.conversation or {}
    expires = conversation.get("expiration_timestamp")
    billable = pricing.get("billable")
    return MessageStatus(
        provider="meta",
        provider_message_id=s.id,
        status=META_STATUSES[s.status],  # type: ignore[arg-type]
        provider_status=s.status,
        status_time=utc_text(epoch_utc(s.timestamp, f"{where}.timestamp")),
        recipient_masked=mask_phone(s.recipient_id),
        error_code=_text(error.code) if error else None,
        error_title=mask_emails_in(error.title or error.message)[:200] or None if error else None,
        pricing_category=_text(pricing.get("category")),
        pricing_billable=billable if isinstance(billable, bool) else None,
        conversation_id=_text(conversation.get("id")),
        conversation_origin=_text((conversation.get("origin") or {}).get("type")),
        conversation_expires_at=(
            utc_text(epoch_utc(expires, f"{where}.conversation.expiration_timestamp")) if expires else None
        ),
    )


def _opt_out(message: dict[str, Any]) -> OptOutRequest | None:
    """A text (or quick-reply button) saying an opt-out keyword."""
    said = (
        (message.get("text") or {}).get("body") or (message.get("button") or {}).get("text") or ""
    ).strip()
    sender, wamid = str(message.get("from") or ""), str(message.get("id") or "")
    if said.upper() not in OPT_OUT_KEYWORDS or not sender or not wamid:
        return None
    return OptOutRequest(
        "whatsapp",
        sender,
        said.upper(),
        epoch_utc(message.get("timestamp", ""), "messages[].timestamp"),
        wamid,
    )


def parse(body: bytes) -> Parsed:
    try:
        payload = MetaWebhookPayload.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "body"
        raise PayloadError(f"not a WhatsApp webhook payload: {where}: {first['msg']}") from None
    if payload.object != "whatsapp_business_account":
        raise PayloadError(f"object is {payload.object!r}; expected whatsapp_business_account")
    parsed = Parsed()
    for e, entry in enumerate(payload.entry):
        for c, change in enumerate(entry.changes):
            for n, s in enumerate(change.value.statuses):
                where = f"entry[{e}].changes[{c}].value.statuses[{n}]"
                if s.status not in META_STATUSES:
                    parsed.ignored.append(s.status)
                    continue
                status = _status(s, where)
                key = receipt_id("meta", s.id, s.status, status.status_time, s.recipient_id)
                parsed.statuses.append((key, status))
            for message in change.value.messages:
                if (request := _opt_out(message)) is not None:
                    parsed.opt_outs.append(request)
    return parsed
