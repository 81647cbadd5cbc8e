"""Inbound webhooks over HTTP: Razorpay (payments, refunds) and the meeting provider (tele sessions).

The route reads the raw body (bounded by `booking.api.body_limit`) and hands it to
`booking.services.webhook_intake`, which verifies the signature, finds the tenant and applies the event once.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from booking.api.deps import WEBHOOK_ERRORS, Service
from booking.api.schemas import WebhookAck
from booking.integrations.razorpay_webhook import RazorpayWebhook
from booking.integrations.tele_provider import TeleSessionWebhook
from booking.services import webhook_intake as intake

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], responses=WEBHOOK_ERRORS)


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inline_refs(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inline_refs(value, defs) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline_refs(item, defs) for item in node]
    return node


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The request body's JSON schema for `openapi_extra`, with pydantic's local `#/$defs/…` references
    inlined: inside an OpenAPI document they would point at the document's root, where nothing is."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline_refs(schema, defs)}},
        }
    }


def _ack(result: intake.Intake) -> WebhookAck:
    return WebhookAck.model_validate(result, from_attributes=True)


@router.post(
    "/razorpay",
    response_model=WebhookAck,
    summary="Razorpay webhook (X-Razorpay-Signature, de-duplicated on X-Razorpay-Event-Id)",
    openapi_extra=body_schema(RazorpayWebhook),
)
async def razorpay_webhook(
    request: Request,
    service: Service,
    x_razorpay_signature: Annotated[str | None, Header(max_length=256)] = None,
    x_razorpay_event_id: Annotated[str | None, Header(max_length=256)] = None,
) -> WebhookAck:
    body = await request.body()  # bounded by booking.api.body_limit
    host = request.client.host if request.client else None
    result = await run_in_threadpool(
        intake.razorpay_event, service, host, body, x_razorpay_signature, x_razorpay_event_id
    )
    return _ack(result)


@router.post(
    "/tele",
    response_model=WebhookAck,
    summary="Meeting-provider session events (X-MyMedic-Signature: t=…,v1=…; 5-minute tolerance)",
    openapi_extra=body_schema(TeleSessionWebhook),
)
async def tele_webhook(
    request: Request,
    service: Service,
    x_mymedic_signature: Annotated[str | None, Header(max_length=1024)] = None,
) -> WebhookAck:
    body = await request.body()  # bounded by booking.api.body_limit
    host = request.client.host if request.client else None
    return _ack(await run_in_threadpool(intake.tele_event, service, host, body, x_mymedic_signature))
