"""SendGrid's Event Webhook: a JSON array of events, reduced to message statuses.

Each event: `{"email", "timestamp": <epoch>, "smtp-id": "<Message-ID>", "event": "processed|delivered|
open|click|bounce|dropped|deferred|…", "sg_event_id", "sg_message_id", "reason", "status", "type", …}`.
The provider message id is the SMTP Message-ID we set (`smtp-id` without its angle brackets); open and click
events carry none, so theirs is `sg_message_id` (the marts link the two through it).
"""

from __future__ import annotations

import json
from typing import Any

from booking.domain.message_status import SENDGRID_EVENTS, MessageStatus
from booking.domain.recipients import mask_email, mask_emails_in
from booking.integrations.message_statuses import Parsed, PayloadError, epoch_utc, utc_text


def parse(body: bytes) -> Parsed:
    try:
        events = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PayloadError(f"not JSON: {getattr(exc, 'msg', 'not UTF-8')}") from None
    if not isinstance(events, list):
        raise PayloadError("SendGrid posts a JSON array of events; the body is not an array")
    parsed = Parsed()
    for n, e in enumerate(events):
        if not isinstance(e, dict):
            raise PayloadError(f"[{n}] is not an event object")
        event_id, sg_id, kind = (str(e.get(k) or "") for k in ("sg_event_id", "sg_message_id", "event"))
        if not event_id or not sg_id or not kind or not e.get("email"):
            raise PayloadError(f"[{n}]: sg_event_id, sg_message_id, event and email are required")
        status = SENDGRID_EVENTS.get(kind)
        if status is None:
            parsed.ignored.append(kind)
            continue
        failed = status == "failed"
        smtp_id = str(e.get("smtp-id") or "").strip().strip("<>")
        reason: Any = e.get("reason") or e.get("response") or ""
        message = MessageStatus(
            provider="sendgrid",
            provider_message_id=(smtp_id or sg_id)[:200],
            status=status,  # type: ignore[arg-type]
            provider_status=kind,
            status_time=utc_text(epoch_utc(e.get("timestamp", ""), f"[{n}].timestamp")),
            recipient_masked=mask_email(str(e["email"])),
            error_code=str(e.get("status") or "")[:200] or None if failed else None,
            error_title=mask_emails_in(str(reason))[:200] or None if failed else None,
        )
        parsed.statuses.append((event_id[:128], message))
    return parsed
