"""SMS through MSG91's Flow API (MSG91's documented shapes), with DLT-registered templates.

Request: `POST {base}/api/v5/flow/`, header `authkey`, `{"template_id", "sender", "short_url": "0",
"recipients": [{"mobiles": "91XXXXXXXXXX", "var1": …}]}`: the template is the MSG91 template mapped to its
DLT template id (TRAI's DLT rules: the text must be the registered template's, from the registered
sender). Accepted: `{"type": "success", "message": "<request id>"}` (the request id is the key of MSG91's
delivery reports). Refused: `{"type": "error", "message": "…"}` (or 401 for a wrong authkey). A refusal that
names the mobile number is `invalid_number`, one that names the template (or DLT) `template_rejected`; both
permanent. No answer, 429 and 5xx are retried.
"""

from __future__ import annotations

from datetime import datetime

import httpx

from booking.domain.messaging import Accepted, SendError, sms_segments
from booking.integrations.message_http import by_status, json_body, post_json
from booking.settings import Msg91Sms


def flow_url(cfg: Msg91Sms) -> str:
    return f"{str(cfg.api_base_url).rstrip('/')}/api/v5/flow/"


def flow_body(cfg: Msg91Sms, template_id: str, to: str, parameters: list[str]) -> dict[str, object]:
    recipient: dict[str, str] = {"mobiles": to.lstrip("+")}
    recipient.update({f"var{i}": value for i, value in enumerate(parameters, start=1)})
    return {"template_id": template_id, "sender": cfg.sender, "short_url": "0", "recipients": [recipient]}


def _refusal(message: str, status: int) -> SendError:
    text = message.lower()
    if "mobile" in text or "number" in text:
        return SendError("invalid_number", message, retryable=False, status_code=status)
    if "template" in text or "dlt" in text:
        return SendError("template_rejected", message, retryable=False, status_code=status)
    return SendError("msg91_error", message, retryable=False, status_code=status)


def send_sms(
    client: httpx.Client,
    cfg: Msg91Sms,
    *,
    to: str,
    template_id: str,
    parameters: list[str],
    text: str,
    now: datetime,
) -> Accepted:
    """Send; `text` is the rendered message (what the DLT template gives), counted in segments."""
    headers = {"authkey": cfg.authkey.get_secret_value(), "accept": "application/json"}
    response = post_json(client, flow_url(cfg), flow_body(cfg, template_id, to, parameters), headers)
    body = json_body(response)
    if response.is_success and body.get("type") == "success" and body.get("message"):
        return Accepted(str(body["message"]), segments=sms_segments(text))
    if response.status_code in (401, 403):
        raise SendError(
            "auth_failed", "MSG91 refused the authkey", retryable=False, status_code=response.status_code
        )
    if not response.is_success and response.status_code != 400:
        raise by_status(response, now, str(body.get("message") or "MSG91 refused the message")[:200])
    raise _refusal(
        str(body.get("message") or "MSG91 answered without a request id")[:200], response.status_code
    )
