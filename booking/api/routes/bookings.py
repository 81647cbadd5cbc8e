"""The booking lifecycle over HTTP. Every POST needs an `Idempotency-Key`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from booking.api.auth import Principal
from booking.api.deps import ERRORS, Caller, IdempotencyKey, Service, Staff
from booking.api.schemas import (
    ID_PATTERN,
    BookingCreate,
    BookingOut,
    CancelIn,
    OrderCreate,
    OrderOut,
    RescheduleIn,
    TeleLinkOut,
)
from booking.api.service import BookingService
from booking.services import bookings, commands, orders, reads
from booking.services.context import Ctx

if TYPE_CHECKING:
    from booking.infra.models import Booking

router = APIRouter(prefix="/v1", tags=["bookings"], responses=ERRORS)
BookingId = Annotated[str, Path(pattern=ID_PATTERN)]


def booking_out(ctx: Ctx, booking: Booking) -> BookingOut:
    return BookingOut.model_validate(reads.booking_view(ctx, booking), from_attributes=True)


def _idempotent(
    service: BookingService,
    caller: Principal,
    key: str,
    request: Request,
    body: BaseModel | None,
    status_code: int,
    change: Callable[[Ctx], BaseModel],
) -> JSONResponse:
    raw = body.model_dump_json().encode() if body is not None else b""
    outcome = commands.run_once(
        service.db,
        tenant=caller.tenant,
        actor=caller.actor,
        now=service.clock.now(),
        gateways=service.gateways,
        key=key,
        request=(request.method, request.url.path, raw),
        status_code=status_code,
        change=lambda ctx: change(ctx).model_dump(mode="json"),
    )
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return JSONResponse(outcome.body, status_code=outcome.status_code, headers=headers)


@router.post("/bookings", status_code=201, response_model=BookingOut, summary="Book a slot")
def create_booking(
    body: BookingCreate, request: Request, service: Service, caller: Caller, key: IdempotencyKey
) -> JSONResponse:
    def change(ctx: Ctx) -> BookingOut:
        booking = bookings.create_booking(
            ctx,
            branch_id=body.branch_id,
            doctor_id=body.doctor_id,
            slot_start=body.slot_start,
            visit_type=body.visit_type,
            patient_name=body.patient.name,
            patient_phone=body.patient.phone,
            patient_email=body.patient.email,
            patient_language=body.patient.language,
            channel=body.channel,
            campaign=body.campaign,
        )
        return booking_out(ctx, booking)

    return _idempotent(service, caller, key, request, body, 201, change)


@router.get("/bookings/{booking_id}", response_model=BookingOut, summary="A booking")
def read_booking(booking_id: BookingId, service: Service, caller: Caller) -> BookingOut:
    view = reads.read_booking(service.db, caller.tenant, caller.actor, service.clock.now(), booking_id)
    return BookingOut.model_validate(view, from_attributes=True)


@router.post("/bookings/{booking_id}/cancel", response_model=BookingOut, summary="Cancel (refund per policy)")
def cancel_booking(
    booking_id: BookingId,
    body: CancelIn,
    request: Request,
    service: Service,
    caller: Caller,
    key: IdempotencyKey,
) -> JSONResponse:
    def change(ctx: Ctx) -> BookingOut:
        booking = bookings.cancel_booking(ctx, booking_id, body.reason, by_staff=caller.is_staff)
        return booking_out(ctx, booking)

    return _idempotent(service, caller, key, request, body, 200, change)


@router.post("/bookings/{booking_id}/reschedule", response_model=BookingOut, summary="Move to another slot")
def reschedule_booking(
    booking_id: BookingId,
    body: RescheduleIn,
    request: Request,
    service: Service,
    caller: Caller,
    key: IdempotencyKey,
) -> JSONResponse:
    def change(ctx: Ctx) -> BookingOut:
        return booking_out(ctx, bookings.reschedule_booking(ctx, booking_id, body.slot_start))

    return _idempotent(service, caller, key, request, body, 200, change)


@router.post(
    "/bookings/{booking_id}/complete",
    response_model=BookingOut,
    summary="Mark the visit completed (staff); opens the balance order",
)
def complete_booking(
    booking_id: BookingId, request: Request, service: Service, staff: Staff, key: IdempotencyKey
) -> JSONResponse:
    def change(ctx: Ctx) -> BookingOut:
        return booking_out(ctx, bookings.complete_booking(ctx, booking_id))

    return _idempotent(service, staff, key, request, None, 200, change)


@router.post("/bookings/{booking_id}/no-show", response_model=BookingOut, summary="Mark a no-show (staff)")
def no_show(
    booking_id: BookingId, request: Request, service: Service, staff: Staff, key: IdempotencyKey
) -> JSONResponse:
    def change(ctx: Ctx) -> BookingOut:
        return booking_out(ctx, bookings.mark_no_show(ctx, booking_id))

    return _idempotent(service, staff, key, request, None, 200, change)


@router.post(
    "/bookings/{booking_id}/payment-orders",
    status_code=201,
    response_model=OrderOut,
    summary="The gateway order to pay a deposit, tele fee or balance (reuses an unpaid one)",
)
def create_payment_order(
    booking_id: BookingId,
    body: OrderCreate,
    request: Request,
    service: Service,
    caller: Caller,
    key: IdempotencyKey,
) -> JSONResponse:
    def change(ctx: Ctx) -> OrderOut:
        booking = bookings.get_booking(ctx.session, ctx.tenant_id, booking_id, lock=True)
        return OrderOut.model_validate(orders.open_order(ctx, booking, body.purpose), from_attributes=True)

    return _idempotent(service, caller, key, request, body, 201, change)


@router.get(
    "/bookings/{booking_id}/tele-link",
    response_model=TeleLinkOut,
    summary="The signed, expiring join link of a paid tele visit (doctor link for staff)",
)
def tele_link(booking_id: BookingId, service: Service, caller: Caller) -> TeleLinkOut:
    link = reads.tele_link(
        service.db,
        caller.tenant,
        booking_id,
        moderator=caller.is_staff,
        user_id=caller.actor if caller.is_staff else None,
    )
    return TeleLinkOut(
        room_id=link.room_id,
        join_url=link.url,
        valid_from=link.valid_from,
        expires_at=link.expires_at,
        role=link.role,
    )
