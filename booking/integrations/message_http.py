"""What the HTTP messaging providers (WhatsApp Cloud API, MSG91) share: one POST, and what a failure means.

No answer, 408/425/429 and 5xx are worth another try (booking.domain.delivery_policy.verdict, the partner
webhooks' rule), never sooner than a `Retry-After`; any other refusal is permanent unless the provider's own
error code says otherwise (the adapters decide that).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from booking.domain.delivery_policy import verdict
from booking.domain.messaging import SendError
from core.retry_after import retry_after_seconds


def post_json(
    client: httpx.Client, url: str, body: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    """POST `body`; no connection or no answer is a retryable SendError named for the transport error."""
    try:
        return client.post(url, json=body, headers=headers)
    except httpx.TransportError as exc:
        raise SendError(type(exc).__name__, "no answer from the provider", retryable=True) from exc


def json_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def by_status(response: httpx.Response, now: datetime, reason: str) -> SendError:
    """A refusal the provider's body does not explain: judged by its HTTP status."""
    retryable = verdict(response.status_code) == "retry"
    wait = retry_after_seconds(response.headers.get("Retry-After"), now) if retryable else None
    return SendError(
        f"HTTP {response.status_code}",
        reason,
        retryable=retryable,
        retry_after=wait,
        status_code=response.status_code,
    )
