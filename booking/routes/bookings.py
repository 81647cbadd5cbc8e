"""The booking lifecycle over HTTP. Every POST needs an `Idempotency-Key`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from booking import bookings, idempotency, payments, tele
from booking.auth import Principal
from booking.context import Ctx
from booking.deps import ERRORS, Caller, IdempotencyKey, Service, Staff
from booking.models import Booking, TeleRoom
from booking.schemas import (
    ID_PATTERN,
    BookingCreate,
    BookingOut,
    CancelIn,
    OrderCreate,
    OrderOut,
    RefundOut,
    RescheduleIn,
    TeleLinkOut,
)
from booking.service import BookingService

router = APIRouter(prefix="/v1", tags=["bookings"], responses=ERRORS)
BookingId = Annotated[str, Path(pattern=ID_PATTERN)]


def booking_out(ctx: Ctx, booking: Booking) -> BookingOut:
    orders = payments.orders_of(ctx, booking.booking_id)
    paid = payments.paid_from(orders, payments.payments_of(ctx, booking.booking_id))
    refunds = payments.refunds_of(ctx, booking.booking_id)
    room = ctx.session.scalar(select(TeleRoom.room_id).where(TeleRoom.booking_id == booking.booking_id))
    return BookingOut(
        booking_id=booking.booking_id,
        branch_id=booking.branch_id,
        doctor_id=booking.doctor_id,
        patient_id=booking.patient_id,
        visit_type=booking.visit_type,  # type: ignore[arg-type]
        status=booking.status,  # type: ignore[arg-type]
        slot_start=booking.slot_start,
        slot_end=booking.slot_start + timedelta(minutes=booking.slot_minutes),
        fee_paise=booking.fee_paise,
        deposit_paise=booking.deposit_paise,
        paid_paise=paid,
        refunded_paise=sum(r.amount_paise for r in refunds if r.status != "failed"),
        balance_due_paise=payments.due_from(booking, paid),
        cancel_reason=booking.cancel_reason,
        channel=booking.channel,
        campaign=booking.campaign,
        tele_room_id=room,
        created_at=booking.created_at,
        updated_at=booking.updated_at,
        orders=[
            OrderOut(
                order_id=o.order_id,
                purpose=o.purpose,  # type: ignore[arg-type]
                amount_paise=o.amount_paise,
                status=o.status,  # type: ignore[arg-type]
                created_at=o.created_at,
            )
            for o in orders
        ],
        refunds=[
            RefundOut(
                refund_id=r.refund_id,
                payment_id=r.payment_id,
                amount_paise=r.amount_paise,
                reason=r.reason,
                status=r.status,  # type: ignore[arg-type]
            )
            for r in refunds
        ],
    )


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
    fp = idempotency.fingerprint(request.method, request.url.path, raw)
    now = service.clock.now()

    def operation(s: Session) -> tuple[int, dict[str, Any]]:
        ctx = Ctx(s, caller.tenant, caller.actor, now, service.gateways)
        return status_code, change(ctx).model_dump(mode="json")

    outcome = idempotency.run(
        service.db, tenant_id=caller.tenant_id, key=key, fp=fp, now=now, operation=operation
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
            channel=body.channel,
            campaign=body.campaign,
        )
        return booking_out(ctx, booking)

    return _idempotent(service, caller, key, request, body, 201, change)


@router.get("/bookings/{booking_id}", response_model=BookingOut, summary="A booking")
def read_booking(booking_id: BookingId, service: Service, caller: Caller) -> BookingOut:
    with service.db.read() as s:
        ctx = Ctx(s, caller.tenant, caller.actor, service.clock.now(), service.gateways)
        return booking_out(ctx, bookings.get_booking(s, caller.tenant_id, booking_id))


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
        order = payments.open_order(ctx, booking, body.purpose)
        return OrderOut(
            order_id=order.order_id,
            purpose=order.purpose,  # type: ignore[arg-type]
            amount_paise=order.amount_paise,
            status=order.status,  # type: ignore[arg-type]
            created_at=order.created_at,
        )

    return _idempotent(service, caller, key, request, body, 201, change)


@router.get(
    "/bookings/{booking_id}/tele-link",
    response_model=TeleLinkOut,
    summary="The signed, expiring join link of a paid tele visit (doctor link for staff)",
)
def tele_link(booking_id: BookingId, service: Service, caller: Caller) -> TeleLinkOut:
    with service.db.read() as s:
        booking = bookings.get_booking(s, caller.tenant_id, booking_id)
        room = s.scalar(select(TeleRoom).where(TeleRoom.booking_id == booking_id))
        link = tele.join_link(
            caller.tenant.tele,
            booking,
            room,
            moderator=caller.is_staff,
            user_id=caller.actor if caller.is_staff else booking.patient_id,
        )
    return TeleLinkOut(
        room_id=link.room_id,
        join_url=link.url,
        valid_from=link.valid_from,
        expires_at=link.expires_at,
        role=link.role,
    )
