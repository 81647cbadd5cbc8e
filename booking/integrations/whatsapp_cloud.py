"""WhatsApp Business Cloud API, template messages (Meta's documented shapes).

Request: `POST {base}/{version}/{phone-number-id}/messages`, `Authorization: Bearer <token>`,
`{"messaging_product": "whatsapp", "recipient_type": "individual", "to": "<digits>", "type": "template",
"template": {"name", "language": {"code"}, "components": [{"type": "body", "parameters": [{"type": "text",
"text"}]}]}}`. Accepted: `{"messaging_product", "contacts": [{"input", "wa_id"}], "messages": [{"id":
"wamid…"}]}`. Refused: `{"error": {"message", "type", "code", "error_data": {"details"}, "error_subcode",
"fbtrace_id"}}`; its `code` decides (Meta's error-code reference): throughput and rate limits (4, 80007,
130429, 131056) and temporary errors (1, 2, 131000, 131016, 133004) are retried; the recipient's opt-out
(131050) suppresses; everything else (131026 undeliverable, 132000/132001 template parameters or template
missing, 100 invalid parameter, 190 expired token…) is permanent.
"""

from __future__ import annotations

from datetime import datetime

import httpx

from booking.domain.messaging import Accepted, SendError
from booking.integrations.message_http import by_status, json_body, post_json
from booking.settings import WhatsAppCloud
from core.retry_after import retry_after_seconds

RATE_LIMITED = frozenset({4, 80007, 130429, 131056})
TEMPORARY = frozenset({1, 2, 131000, 131016, 133004})
OPTED_OUT = frozenset({131050})


def messages_url(cfg: WhatsAppCloud) -> str:
    return f"{str(cfg.api_base_url).rstrip('/')}/{cfg.api_version}/{cfg.phone_number_id}/messages"


def template_body(to: str, name: str, language: str, parameters: list[str]) -> dict[str, object]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to.lstrip("+"),
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": language},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": value} for value in parameters]}
            ],
        },
    }


def send_template(
    client: httpx.Client,
    cfg: WhatsAppCloud,
    *,
    to: str,
    name: str,
    language: str,
    parameters: list[str],
    now: datetime,
) -> Accepted:
    headers = {"Authorization": f"Bearer {cfg.access_token.get_secret_value()}"}
    response = post_json(client, messages_url(cfg), template_body(to, name, language, parameters), headers)
    body = json_body(response)
    if response.is_success:
        messages = body.get("messages")
        if (
            isinstance(messages, list)
            and messages
            and isinstance(messages[0], dict)
            and messages[0].get("id")
        ):
            return Accepted(str(messages[0]["id"]))
        raise SendError(
            "bad_response",
            "the Cloud API answered without messages[0].id",
            retryable=True,
            status_code=response.status_code,
        )
    error = body.get("error")
    if not isinstance(error, dict) or not isinstance(error.get("code"), int):
        raise by_status(response, now, "the Cloud API refused the message")
    code = int(error["code"])
    reason = str(error.get("message") or "")[:200]
    status = response.status_code
    if code in RATE_LIMITED or status == 429:
        wait = retry_after_seconds(response.headers.get("Retry-After"), now)
        raise SendError(str(code), reason, retryable=True, retry_after=wait, status_code=status)
    if code in TEMPORARY or status >= 500:
        raise SendError(str(code), reason, retryable=True, status_code=status)
    raise SendError(str(code), reason, retryable=False, opted_out=code in OPTED_OUT, status_code=status)
