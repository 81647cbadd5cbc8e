"""The embeddable booking widget: `/widget.js` (the snippet a clinic pastes into its site), the page it frames
(`/widget/{tenant}/{branch}`) and the three calls that page makes, which are the portal API's own handlers
called for the tenant (doctors of the branch, free slots, book).

A tenant has a widget only when its config has `widget.allowed_sites`; the page may be framed only by those
sites (CSP `frame-ancestors`). The widget needs no API key: like the clinic's own site, anyone may book.
"""

from __future__ import annotations

import html
from datetime import date, timedelta
from pathlib import Path as FilePath
from string import Template
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from booking.api.auth import Principal
from booking.api.deps import ERRORS, IdempotencyKey, Service
from booking.api.routes import bookings as booking_routes
from booking.api.routes import directory as directory_routes
from booking.api.schemas import ID_PATTERN, BookingCreate, BookingOut, DoctorOut, SlotOut, VisitType
from booking.api.service import BookingService
from booking.domain.channels import (
    CAMPAIGN_PATTERN,
    CHANNEL_PATTERN,
    DEFAULT_CAMPAIGN,
    WIDGET_CHANNEL,
    widget_csp,
)
from booking.domain.errors import NotFound, Unprocessable
from booking.services import reads
from core.time import IST

router = APIRouter(tags=["widget"])
ASSETS = FilePath(__file__).resolve().parent.parent / "widget_assets"
IdPath = Annotated[str, Path(pattern=ID_PATTERN)]
AssetName = Literal["app.js", "widget.css"]
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def _widget_caller(service: BookingService, tenant_id: str) -> Principal:
    tenant = service.config.tenant(tenant_id)
    if tenant is None or tenant.widget is None:
        raise NotFound(f"tenant {tenant_id} has no booking widget")
    return Principal(tenant=tenant, kind="widget", actor="widget", roles=frozenset({"widget"}))


def _asset(name: str) -> Response:
    path = ASSETS / name
    return Response(
        path.read_bytes(),
        media_type=MEDIA_TYPES[path.suffix],
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


def _served_as(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """A non-JSON success, and the errors as JSON problems (a `model` would take the success's media type)."""
    problem = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    errors = {code: {"description": e["description"], "content": problem} for code, e in ERRORS.items()}
    ok = {"description": "The content", "content": {m: {"schema": {"type": "string"}} for m in media_types}}
    return {200: ok, **errors}


@router.get(
    "/widget.js",
    response_class=Response,
    responses=_served_as("text/javascript"),
    summary="The snippet a clinic pastes into its site: frames the booking page",
)
def embed_script() -> Response:
    return _asset("embed.js")


@router.get(
    "/widget-assets/{name}",
    response_class=Response,
    responses=_served_as("text/javascript", "text/css"),
    summary="The widget page's script and style sheet",
)
def widget_asset(name: AssetName) -> Response:
    return _asset(name)


@router.get(
    "/widget/{tenant_id}/{branch_id}",
    response_class=HTMLResponse,
    responses=_served_as("text/html"),
    summary="The booking page of a branch, to be framed by the tenant's allowed sites",
)
def widget_page(
    tenant_id: IdPath,
    branch_id: IdPath,
    service: Service,
    doctor: Annotated[str | None, Query(pattern=ID_PATTERN, description="Preselect this doctor")] = None,
    channel: Annotated[str, Query(pattern=CHANNEL_PATTERN)] = WIDGET_CHANNEL,
    campaign: Annotated[str, Query(pattern=CAMPAIGN_PATTERN)] = DEFAULT_CAMPAIGN,
) -> HTMLResponse:
    caller = _widget_caller(service, tenant_id)
    assert caller.tenant.widget is not None
    today = service.clock.now().astimezone(IST).date()
    branch = reads.branch(service.db, tenant_id, branch_id)
    if doctor is not None:
        reads.doctor_at(service.db, tenant_id, doctor, branch_id)
    clinic = reads.tenant_name(service.db, caller.tenant)
    fields = {
        "clinic": clinic,
        "branch_name": branch.name,
        "tenant_id": tenant_id,
        "branch_id": branch_id,
        "doctor": doctor or "",
        "channel": channel,
        "campaign": campaign,
        "today": today.isoformat(),
        "last_day": (today + timedelta(days=caller.tenant.booking_window_days)).isoformat(),
    }
    page = Template((ASSETS / "page.html").read_text(encoding="utf-8"))
    body = page.substitute({k: html.escape(v, quote=True) for k, v in fields.items()})
    return HTMLResponse(
        body,
        headers={
            "Content-Security-Policy": widget_csp(caller.tenant.widget.allowed_sites),
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/widget/{tenant_id}/{branch_id}/doctors",
    responses=ERRORS,
    response_model=list[DoctorOut],
    summary="Doctors",
)
def widget_doctors(tenant_id: IdPath, branch_id: IdPath, service: Service) -> list[DoctorOut]:
    caller = _widget_caller(service, tenant_id)
    return directory_routes.list_doctors(service, caller, branch_id=branch_id)


@router.get(
    "/widget/{tenant_id}/{branch_id}/doctors/{doctor_id}/slots",
    responses=ERRORS,
    response_model=list[SlotOut],
    summary="A doctor's free slots on an IST date",
)
def widget_slots(
    tenant_id: IdPath,
    branch_id: IdPath,
    doctor_id: IdPath,
    service: Service,
    day: Annotated[date, Query(alias="date", description="IST calendar date, YYYY-MM-DD")],
    visit_type: VisitType | None = None,
) -> list[SlotOut]:
    caller = _widget_caller(service, tenant_id)
    reads.doctor_at(service.db, tenant_id, doctor_id, branch_id)
    return directory_routes.list_free_slots(service, caller, doctor_id, day, visit_type)


@router.post(
    "/widget/{tenant_id}/{branch_id}/bookings",
    status_code=201,
    responses=ERRORS,
    response_model=BookingOut,
    summary="Book a slot from the widget (the body's channel and campaign come from the page's link)",
)
def widget_book(
    tenant_id: IdPath,
    branch_id: IdPath,
    body: BookingCreate,
    request: Request,
    service: Service,
    key: IdempotencyKey,
) -> JSONResponse:
    caller = _widget_caller(service, tenant_id)
    if body.branch_id != branch_id:
        raise Unprocessable(f"this widget books at branch {branch_id}", field="branch_id")
    return booking_routes.create_booking(body, request, service, caller, key)
