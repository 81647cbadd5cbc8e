"""`POST /v1/adt/events`: a tenant's HIS pushes an ADT event (FHIR R4 Encounter with its Patient, or the
platform's JSON ADT event). The body is bounded by `booking.api.body_limit`; the event is stored, with its
audit row, before the 202 (`booking.services.adt_intake`); `mymedic booking export-adt` hands it to the
adt_fhir feed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool

from booking.api.deps import Service, _problem
from booking.api.schemas import AdtAccepted
from booking.integrations.adt_payloads import AdtEvent
from booking.services import adt_intake

router = APIRouter(prefix="/v1/adt", tags=["adt"])

ADT_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _problem("The body is not an accepted ADT event (the message names the field)"),
    401: _problem("No ADT API key, or not a tenant's ADT key"),
    403: _problem("Source IP not in the tenant's ADT allowlist"),
    409: _problem("A concurrent change conflicted; resend (the event is stored once)"),
    413: _problem("Body too large"),
    422: _problem("A header is invalid"),
    503: _problem("The database is busy or unavailable; resend shortly"),
}


def _request_body() -> dict[str, Any]:
    event = AdtEvent.model_json_schema()
    defs = event.pop("$defs", {})
    fhir = {
        "type": "object",
        "required": ["resourceType"],
        "description": "A FHIR R4 Encounter (with its Patient contained) or a Bundle holding an Encounter "
        "and its Patient; Encounter.id and meta.versionId make the message id",
        "properties": {"resourceType": {"type": "string", "enum": ["Encounter", "Bundle"]}},
    }
    patient_ids = defs.get("PatientId")
    if patient_ids:
        event["properties"]["patient_ids"]["items"] = patient_ids
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"anyOf": [event, fhir]}}},
        }
    }


@router.post(
    "/events",
    status_code=202,
    response_model=AdtAccepted,
    responses=ADT_ERRORS,
    summary="An ADT event from the tenant's HIS (ADT API key in X-API-Key); stored before 202, once per message id",
    openapi_extra=_request_body(),
)
async def adt_event(
    request: Request,
    service: Service,
    x_api_key: Annotated[str | None, Header(max_length=256)] = None,
) -> AdtAccepted:
    body = await request.body()  # bounded by booking.api.body_limit
    host = request.client.host if request.client else None
    accepted = await run_in_threadpool(adt_intake.receive, service, x_api_key, host, body)
    return AdtAccepted(status=accepted.status, message_id=accepted.message_id, sender=accepted.sender)
