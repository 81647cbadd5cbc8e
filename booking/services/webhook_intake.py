"""Inbound webhooks: Razorpay (payments, refunds) and the meeting provider (tele sessions).

The tenant is the one whose secret signed the body. Each event id is processed once per tenant: the receipt
row is written in the same transaction as the effect, so a replay (or a concurrent duplicate) has no second
effect. An id is recorded only after the signature verified for that tenant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from booking.domain.clock import Clock
from booking.domain.errors import BadRequest, Forbidden, Unauthorized
from booking.infra import receipts
from booking.infra.db import Database
from booking.integrations import signatures
from booking.integrations.razorpay_api import Gateways
from booking.integrations.razorpay_webhook import PAYMENT_EVENTS, REFUND_EVENTS, RazorpayWebhook
from booking.integrations.tele_provider import TeleSessionWebhook
from booking.services import payments, tele
from booking.services.context import Ctx
from booking.settings import BookingConfig, TenantConfig

EVENT_ID_RE = re.compile(r"^[A-Za-z0-9_\-.:]{1,128}$")


class Parts(Protocol):
    """What intake needs of the running service."""

    config: BookingConfig
    db: Database
    clock: Clock
    gateways: Gateways


@dataclass(frozen=True, slots=True)
class Intake:
    """What became of a webhook: processed (with what it did) or a duplicate of one already processed."""

    status: Literal["processed", "duplicate"]
    detail: str


def _explain(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(x) for x in first["loc"]) or "body"
    return f"{where}: {first['msg']}"


def _process(
    service: Parts,
    *,
    source: str,
    tenant: TenantConfig,
    event_id: str,
    event_type: str,
    apply: Any,
) -> Intake:
    now = service.clock.now()
    try:
        with service.db.write() as s:
            if receipts.is_replay(s, tenant.tenant_id, source, event_id):
                return Intake(status="duplicate", detail=f"event {event_id} was already processed")
            outcome = apply(Ctx(s, tenant, f"webhook:{source}", now, service.gateways))
            receipts.record_receipt(
                s,
                source=source,
                event_id=event_id,
                tenant_id=tenant.tenant_id,
                event_type=event_type,
                outcome=outcome,
                at=now,
            )
            return Intake(status="processed", detail=outcome)
    except IntegrityError:
        with service.db.read() as s:
            if receipts.is_replay(s, tenant.tenant_id, source, event_id):
                return Intake(status="duplicate", detail=f"event {event_id} was already processed")
        raise


def razorpay_event(
    service: Parts, host: str | None, body: bytes, signature: str | None, event_id: str | None
) -> Intake:
    if not signature:
        raise Unauthorized(f"the {signatures.RAZORPAY_SIGNATURE_HEADER} header is missing")
    owners = {
        secret.get_secret_value(): t
        for t in service.config.tenants
        if t.razorpay
        for secret in t.razorpay.secrets
    }
    secret = signatures.matching_secret(owners, signature, body)
    if secret is None:
        raise Unauthorized("the Razorpay signature does not match")
    tenant = owners[secret]
    assert tenant.razorpay is not None
    if not tenant.razorpay.allows(host):
        raise Forbidden("this source address may not send Razorpay webhooks")
    if not event_id or not EVENT_ID_RE.match(event_id):
        raise BadRequest(f"the {signatures.RAZORPAY_EVENT_ID_HEADER} header is missing or malformed")
    try:
        hook = RazorpayWebhook.model_validate_json(body)
    except ValidationError as exc:
        raise BadRequest(f"not a Razorpay webhook payload: {_explain(exc)}") from None
    event_at = datetime.fromtimestamp(hook.created_at, UTC)

    def apply(ctx: Ctx) -> str:
        if hook.event in PAYMENT_EVENTS and hook.payload.payment is not None:
            return payments.apply_payment_event(ctx, hook.event, hook.payload.payment.entity, event_at)
        if hook.event in REFUND_EVENTS and hook.payload.refund is not None:
            return payments.apply_refund_event(ctx, hook.event, hook.payload.refund.entity, event_at)
        return f"ignored: {hook.event} is not handled"

    return _process(
        service, source="razorpay", tenant=tenant, event_id=event_id, event_type=hook.event, apply=apply
    )


def tele_event(service: Parts, host: str | None, body: bytes, signature: str | None) -> Intake:
    owners = {
        secret.get_secret_value(): t
        for t in service.config.tenants
        if t.tele and t.tele.webhook
        for secret in t.tele.webhook.secrets
    }
    secret = signatures.verify_timestamped(
        owners, signature, body, tolerance_s=service.config.webhook_tolerance_seconds, clock=service.clock
    )
    tenant = owners[secret]
    assert tenant.tele is not None and tenant.tele.webhook is not None
    if not tenant.tele.webhook.allows(host):
        raise Forbidden("this source address may not send tele webhooks")
    try:
        event = TeleSessionWebhook.model_validate_json(body)
    except ValidationError as exc:
        raise BadRequest(f"not a tele session event: {_explain(exc)}") from None
    return _process(
        service,
        source="tele",
        tenant=tenant,
        event_id=event.event_id,
        event_type=event.type,
        apply=lambda ctx: tele.apply_session_event(ctx, event),
    )
