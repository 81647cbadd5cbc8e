"""Delivery statuses the messaging providers post back: WhatsApp (Meta), SMS (MSG91), email (SendGrid).

Each route reads the raw body (bounded by `booking.api.body_limit`) and hands it to
`booking.services.message_status_intake`, which verifies the request, finds the tenant and stores each status
once as a `message.status.*` CloudEvent.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse

from booking.api.deps import WEBHOOK_ERRORS, Service
from booking.api.routes.webhooks import body_schema
from booking.api.schemas import StatusAck
from booking.integrations.meta_webhook import MetaWebhookPayload
from booking.services import message_status_intake as intake

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], responses=WEBHOOK_ERRORS)


def _ack(result: intake.StatusIntake) -> StatusAck:
    return StatusAck.model_validate(result, from_attributes=True)


def _host(request: Request) -> str | None:
    return request.client.host if request.client else None


# The handshake answers the challenge as text; its errors are problem JSON like every other route's.
JSON_ERRORS = {code: {**spec, "content": {"application/json": {}}} for code, spec in WEBHOOK_ERRORS.items()}


@router.get(
    "/whatsapp",
    response_class=PlainTextResponse,
    responses=JSON_ERRORS,
    summary="Meta's webhook verification: answers hub.challenge when hub.verify_token is a tenant's",
)
async def whatsapp_verify(
    service: Service,
    mode: Annotated[str | None, Query(alias="hub.mode", max_length=32)] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token", max_length=256)] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=256)] = None,
) -> PlainTextResponse:
    return PlainTextResponse(intake.meta_challenge(service, mode, token, challenge))


@router.post(
    "/whatsapp",
    response_model=StatusAck,
    summary="WhatsApp Business status webhooks (X-Hub-Signature-256; each status stored once)",
    openapi_extra=body_schema(MetaWebhookPayload),
)
async def whatsapp_webhook(
    request: Request,
    service: Service,
    x_hub_signature_256: Annotated[str | None, Header(max_length=256)] = None,
) -> StatusAck:
    body = await request.body()  # bounded by booking.api.body_limit
    return _ack(
        await run_in_threadpool(intake.meta_statuses, service, _host(request), body, x_hub_signature_256)
    )


@router.post(
    "/msg91",
    response_model=StatusAck,
    summary="MSG91 SMS delivery reports (webhook v2 form `data=` or v3 JSON; the URL carries ?token=)",
)
async def msg91_webhook(
    request: Request,
    service: Service,
    token: Annotated[str | None, Query(max_length=256)] = None,
) -> StatusAck:
    body = await request.body()  # bounded by booking.api.body_limit
    content_type = request.headers.get("content-type", "")
    return _ack(
        await run_in_threadpool(intake.msg91_reports, service, _host(request), body, content_type, token)
    )


@router.post(
    "/sendgrid",
    response_model=StatusAck,
    summary="SendGrid signed Event Webhook (ECDSA X-Twilio-Email-Event-Webhook-Signature; 5-minute tolerance)",
)
async def sendgrid_webhook(
    request: Request,
    service: Service,
    x_twilio_email_event_webhook_signature: Annotated[str | None, Header(max_length=512)] = None,
    x_twilio_email_event_webhook_timestamp: Annotated[str | None, Header(max_length=32)] = None,
) -> StatusAck:
    body = await request.body()  # bounded by booking.api.body_limit
    result = await run_in_threadpool(
        intake.sendgrid_events_in, service, _host(request), body,
        x_twilio_email_event_webhook_signature, x_twilio_email_event_webhook_timestamp,
    )  # fmt: skip
    return _ack(result)
