"""Inbound webhooks: Razorpay (payments, refunds) and the meeting provider (tele sessions).

The tenant is the one whose secret signed the body. Each event id is processed once: the receipt row is
written in the same transaction as the effect, so a replay (or a concurrent duplicate) has no second effect.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from booking import payments, tele, webhooks
from booking.context import Ctx
from booking.deps import WEBHOOK_ERRORS, Service
from booking.errors import BadRequest, Forbidden, Unauthorized
from booking.schemas import WebhookAck
from booking.service import BookingService
from booking.settings import TenantConfig

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], responses=WEBHOOK_ERRORS)
EVENT_ID_RE = re.compile(r"^[A-Za-z0-9_\-.:]{1,128}$")


def _body_schema(model: Any) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


def _explain(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(x) for x in first["loc"]) or "body"
    return f"{where}: {first['msg']}"


def _process(
    service: BookingService,
    *,
    source: str,
    tenant: TenantConfig,
    event_id: str,
    event_type: str,
    apply: Any,
) -> WebhookAck:
    now = service.clock.now()
    try:
        with service.db.write() as s:
            if webhooks.is_replay(s, tenant.tenant_id, source, event_id):
                return WebhookAck(status="duplicate", detail=f"event {event_id} was already processed")
            outcome = apply(Ctx(s, tenant, f"webhook:{source}", now, service.gateways))
            webhooks.record_receipt(
                s,
                source=source,
                event_id=event_id,
                tenant_id=tenant.tenant_id,
                event_type=event_type,
                outcome=outcome,
                at=now,
            )
            return WebhookAck(status="processed", detail=outcome)
    except IntegrityError:
        with service.db.read() as s:
            if webhooks.is_replay(s, tenant.tenant_id, source, event_id):
                return WebhookAck(status="duplicate", detail=f"event {event_id} was already processed")
        raise


def _handle_razorpay(
    service: BookingService, host: str | None, body: bytes, signature: str | None, event_id: str | None
) -> WebhookAck:
    if not signature:
        raise Unauthorized(f"the {webhooks.RAZORPAY_SIGNATURE_HEADER} header is missing")
    owners = {
        secret.get_secret_value(): t
        for t in service.config.tenants
        if t.razorpay
        for secret in t.razorpay.secrets
    }
    secret = webhooks.matching_secret(owners, signature, body)
    if secret is None:
        raise Unauthorized("the Razorpay signature does not match")
    tenant = owners[secret]
    assert tenant.razorpay is not None
    if not tenant.razorpay.allows(host):
        raise Forbidden("this source address may not send Razorpay webhooks")
    if not event_id or not EVENT_ID_RE.match(event_id):
        raise BadRequest(f"the {webhooks.RAZORPAY_EVENT_ID_HEADER} header is missing or malformed")
    try:
        hook = payments.RazorpayWebhook.model_validate_json(body)
    except ValidationError as exc:
        raise BadRequest(f"not a Razorpay webhook payload: {_explain(exc)}") from None
    event_at = datetime.fromtimestamp(hook.created_at, UTC)

    def apply(ctx: Ctx) -> str:
        if hook.event in payments.PAYMENT_EVENTS and hook.payload.payment is not None:
            return payments.apply_payment_event(ctx, hook.event, hook.payload.payment.entity, event_at)
        if hook.event in payments.REFUND_EVENTS and hook.payload.refund is not None:
            return payments.apply_refund_event(ctx, hook.event, hook.payload.refund.entity, event_at)
        return f"ignored: {hook.event} is not handled"

    return _process(
        service, source="razorpay", tenant=tenant, event_id=event_id, event_type=hook.event, apply=apply
    )


@router.post(
    "/razorpay",
    response_model=WebhookAck,
    summary="Razorpay webhook (X-Razorpay-Signature, de-duplicated on X-Razorpay-Event-Id)",
    openapi_extra=_body_schema(payments.RazorpayWebhook),
)
async def razorpay_webhook(
    request: Request,
    service: Service,
    x_razorpay_signature: Annotated[str | None, Header(max_length=256)] = None,
    x_razorpay_event_id: Annotated[str | None, Header(max_length=256)] = None,
) -> WebhookAck:
    body = await request.body()  # bounded by booking.body_limit
    host = request.client.host if request.client else None
    return await run_in_threadpool(
        _handle_razorpay, service, host, body, x_razorpay_signature, x_razorpay_event_id
    )


def _handle_tele(service: BookingService, host: str | None, body: bytes, signature: str | None) -> WebhookAck:
    owners = {
        secret.get_secret_value(): t
        for t in service.config.tenants
        if t.tele and t.tele.webhook
        for secret in t.tele.webhook.secrets
    }
    secret = webhooks.verify_timestamped(
        owners, signature, body, tolerance_s=service.config.webhook_tolerance_seconds, clock=service.clock
    )
    tenant = owners[secret]
    assert tenant.tele is not None and tenant.tele.webhook is not None
    if not tenant.tele.webhook.allows(host):
        raise Forbidden("this source address may not send tele webhooks")
    try:
        event = tele.TeleSessionWebhook.model_validate_json(body)
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


@router.post(
    "/tele",
    response_model=WebhookAck,
    summary="Meeting-provider session events (X-MyMedic-Signature: t=…,v1=…; 5-minute tolerance)",
    openapi_extra=_body_schema(tele.TeleSessionWebhook),
)
async def tele_webhook(
    request: Request,
    service: Service,
    x_mymedic_signature: Annotated[str | None, Header(max_length=1024)] = None,
) -> WebhookAck:
    body = await request.body()  # bounded by booking.body_limit
    host = request.client.host if request.client else None
    return await run_in_threadpool(_handle_tele, service, host, body, x_mymedic_signature)
