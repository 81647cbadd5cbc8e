"""Webhook signatures and delivery.

Two inbound schemes:
- Razorpay: `X-Razorpay-Signature` = hex HMAC-SHA256 of the raw body with the webhook secret; replays are
  stopped by the `x-razorpay-event-id` receipt (Razorpay sends no signed timestamp).
- Ours, for every other partner (the meeting provider) and for our outbound webhooks:
  `X-MyMedic-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + raw body>`, rejected when `t` is more
  than the tolerance (5 minutes) away from now, plus an event-id receipt. Several `v1=` entries are allowed
  (secret rotation).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session
from tenacity import RetryError, retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from booking.clock import Clock
from booking.db import Database
from booking.errors import BadRequest, Unauthorized
from booking.models import OutboxEvent, PartnerDelivery, WebhookReceipt
from booking.settings import BookingConfig, PartnerWebhook

SIGNATURE_HEADER = "X-MyMedic-Signature"
EVENT_ID_HEADER = "X-MyMedic-Event-Id"
RAZORPAY_SIGNATURE_HEADER = "X-Razorpay-Signature"
RAZORPAY_EVENT_ID_HEADER = "X-Razorpay-Event-Id"
DEFAULT_TOLERANCE_S = 300


def _hmac_hex(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def razorpay_signature(secret: str, body: bytes) -> str:
    return _hmac_hex(secret, body)


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The `t=…,v1=…` header value for `body`."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={_hmac_hex(secret, f'{t}.'.encode() + body)}"


def matching_secret(secrets: Iterable[str], signature: str, body: bytes) -> str | None:
    """The Razorpay secret whose signature of `body` equals `signature` (constant-time), if any."""
    found = None
    for secret in secrets:
        if hmac.compare_digest(razorpay_signature(secret, body), signature.strip().lower()):
            found = secret
    return found


def parse_signature(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            if not value.isdigit() or len(value) > 12:
                raise Unauthorized(f"{SIGNATURE_HEADER} has a malformed timestamp")
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value.lower())
    if timestamp is None or not signatures:
        raise Unauthorized(f"{SIGNATURE_HEADER} must look like t=<unix seconds>,v1=<hex hmac>")
    return timestamp, signatures


def verify_timestamped(
    secrets: Iterable[str],
    header: str | None,
    body: bytes,
    *,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    clock: Clock,
) -> str:
    """Check a `t=…,v1=…` signature against `clock`; returns the secret that signed it. Raises Unauthorized."""
    if not header:
        raise Unauthorized(f"the {SIGNATURE_HEADER} header is missing")
    timestamp, signatures = parse_signature(header)
    current = clock.now().timestamp()
    if abs(current - timestamp) > tolerance_s:
        raise Unauthorized(
            f"the signature timestamp is {int(current - timestamp)} s away from now; "
            f"more than {tolerance_s} s is refused (replay protection)"
        )
    signed = f"{timestamp}.".encode() + body
    found = None
    for secret in secrets:
        expected = _hmac_hex(secret, signed)
        for candidate in signatures:
            if hmac.compare_digest(expected, candidate):
                found = secret
    if found is None:
        raise Unauthorized("the webhook signature does not match")
    return found


def is_replay(session: Session, tenant_id: str, source: str, event_id: str) -> bool:
    """Whether `tenant_id` (whose secret verified the event) already processed this id from `source`."""
    return session.get(WebhookReceipt, (tenant_id, source, event_id)) is not None


def record_receipt(
    session: Session,
    *,
    source: str,
    event_id: str,
    tenant_id: str,
    event_type: str,
    outcome: str,
    at: datetime,
) -> None:
    """Insert the replay guard row; a concurrent duplicate fails on the primary key and rolls back."""
    session.add(
        WebhookReceipt(
            source=source,
            event_id=event_id,
            tenant_id=tenant_id,
            event_type=event_type[:64],
            outcome=outcome[:200],
            received_at=at,
        )
    )
    session.flush()


# ---- outbound partner webhooks ----------------------------------------------------------------------------


class _Retryable(Exception):
    pass


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # endpoint -> why it stopped


def _post(
    client: httpx.Client, hook: PartnerWebhook, event_id: str, body: bytes, clock: Callable[[], float]
) -> int:
    @retry(
        retry=retry_if_exception_type(_Retryable),
        stop=stop_after_attempt(5),
        wait=wait_exponential(multiplier=0.2, max=5),
        reraise=False,
    )
    def attempt() -> int:
        headers = {
            "Content-Type": "application/cloudevents+json",
            SIGNATURE_HEADER: sign(hook.secret.get_secret_value(), body, int(clock())),
            EVENT_ID_HEADER: event_id,
        }
        try:
            response = client.post(str(hook.url), content=body, headers=headers)
        except httpx.TransportError as exc:
            raise _Retryable(type(exc).__name__) from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise _Retryable(f"HTTP {response.status_code}")
        return response.status_code

    return attempt()


def deliver_partner_webhooks(
    db: Database,
    config: BookingConfig,
    client: httpx.Client,
    *,
    limit: int = 1000,
    clock: Callable[[], float] = time.time,
) -> DeliveryReport:
    """POST each outbox event a partner subscribed to, in outbox order, signed; each event once per endpoint.

    Transient failures (network, 429, 5xx) are retried with backoff; an endpoint that still fails stops there
    (order is kept) and is retried on the next call. A 4xx answer is final and recorded.
    """
    report = DeliveryReport()
    for tenant in config.tenants:
        for hook in tenant.partner_webhooks:
            endpoint = f"{tenant.tenant_id}:{hook.name}"
            with db.read() as s:
                done = select(PartnerDelivery.event_id).where(PartnerDelivery.endpoint == endpoint)
                query = select(OutboxEvent.event_id, OutboxEvent.body).where(
                    OutboxEvent.tenant_id == tenant.tenant_id, OutboxEvent.event_id.not_in(done)
                )
                if "*" not in hook.event_types:
                    query = query.where(OutboxEvent.event_type.in_(hook.event_types))
                rows = s.execute(query.order_by(OutboxEvent.seq).limit(limit)).all()
            for row in rows:
                try:
                    status = _post(client, hook, row.event_id, row.body.encode(), clock)
                except RetryError as exc:
                    report.failed[endpoint] = f"event {row.event_id}: {exc.last_attempt.exception()}"
                    break
                with db.write() as s:
                    s.merge(
                        PartnerDelivery(
                            endpoint=endpoint,
                            event_id=row.event_id,
                            tenant_id=tenant.tenant_id,
                            status_code=status,
                            attempts=1,
                            delivered_at=datetime.now(UTC),
                        )
                    )
                report.delivered += 1
    return report


def json_body(body: bytes) -> object:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest("the webhook body is not valid JSON") from None
