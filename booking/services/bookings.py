"""The booking lifecycle: book, cancel, reschedule, complete, no-show.

A slot is never double-booked: the partial unique index `uq_bookings_live_slot` (tenant, doctor, slot start,
for every status but cancelled and expired) rejects the second insert or move, whatever the concurrency.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking.domain import booking as rules
from booking.domain.clock import rfc3339
from booking.domain.errors import Conflict, NotFound, Unprocessable
from booking.domain.ids import new_id
from booking.infra.models import Booking, Branch, Doctor, Patient, snapshot
from booking.services import orders, payments
from booking.services.completion import mark_completed
from booking.services.context import Ctx
from booking.services.slots import check_slot


def get_booking(session: Session, tenant_id: str, booking_id: str, *, lock: bool = False) -> Booking:
    booking = session.get(Booking, booking_id, with_for_update=lock)
    if booking is None or booking.tenant_id != tenant_id:
        raise NotFound(f"booking {booking_id} not found")
    return booking


def get_branch(session: Session, tenant_id: str, branch_id: str) -> Branch:
    branch = session.get(Branch, (tenant_id, branch_id))
    if branch is None or not branch.active:
        raise NotFound(f"branch {branch_id} not found", field="branch_id")
    return branch


def get_doctor(session: Session, tenant_id: str, doctor_id: str) -> Doctor:
    doctor = session.get(Doctor, (tenant_id, doctor_id))
    if doctor is None or not doctor.active:
        raise NotFound(f"doctor {doctor_id} not found", field="doctor_id")
    return doctor


def _patient(
    ctx: Ctx, name: str, phone: str, email: str | None = None, language: str | None = None
) -> Patient:
    found = ctx.session.scalar(
        select(Patient).where(Patient.tenant_id == ctx.tenant_id, Patient.phone == phone)
    )
    if found is not None:
        found.email = email or found.email  # how to reach the patient: the latest booking says
        found.language = language or found.language
        return found
    patient = Patient(
        patient_id=new_id("pat_"),
        tenant_id=ctx.tenant_id,
        name=name,
        phone=phone,
        email=email,
        language=language,
        created_at=ctx.now,
    )
    try:
        with ctx.session.begin_nested():
            ctx.session.add(patient)
    except IntegrityError:  # the same phone registered concurrently
        found = ctx.session.scalar(
            select(Patient).where(Patient.tenant_id == ctx.tenant_id, Patient.phone == phone)
        )
        assert found is not None
        return found
    ctx.audit("patient.created", "patient", patient.patient_id, after={"phone": phone})
    return patient


def _slot_taken(doctor_id: str, start: datetime) -> Conflict:
    return Conflict(
        f"the slot of doctor {doctor_id} at {rfc3339(start)} is already booked", field="slot_start"
    )


def create_booking(
    ctx: Ctx,
    *,
    branch_id: str,
    doctor_id: str,
    slot_start: datetime,
    visit_type: str,
    patient_name: str,
    patient_phone: str,
    channel: str,
    campaign: str,
    patient_email: str | None = None,
    patient_language: str | None = None,
) -> Booking:
    get_branch(ctx.session, ctx.tenant_id, branch_id)
    doctor = get_doctor(ctx.session, ctx.tenant_id, doctor_id)
    if doctor.branch_id != branch_id:
        raise Unprocessable(f"doctor {doctor_id} does not sit at branch {branch_id}", field="doctor_id")
    slot = check_slot(ctx.session, ctx.tenant, doctor, slot_start, visit_type, ctx.now)
    patient = _patient(ctx, patient_name, patient_phone, patient_email, patient_language)
    fee, deposit = rules.fee_and_deposit(
        visit_type, doctor.consultation_fee_paise, doctor.tele_fee_paise, ctx.tenant.deposit_pct
    )
    booking = Booking(
        booking_id=new_id("bk_"),
        tenant_id=ctx.tenant_id,
        branch_id=branch_id,
        doctor_id=doctor_id,
        patient_id=patient.patient_id,
        visit_type=visit_type,
        slot_start=slot.start,
        slot_minutes=slot.minutes,
        status=rules.initial_status(deposit),
        fee_paise=fee,
        deposit_paise=deposit,
        channel=channel,
        campaign=campaign,
        reschedule_count=0,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    try:
        with ctx.session.begin_nested():
            ctx.session.add(booking)
    except IntegrityError:
        raise _slot_taken(doctor_id, slot.start) from None
    ctx.emit(
        "appointment.booked",
        branch_id=branch_id,
        subject=booking.booking_id,
        data={
            "booking_id": booking.booking_id,
            "patient_id": patient.patient_id,
            "branch_id": branch_id,
            "doctor_id": doctor_id,
            "slot_start": rfc3339(slot.start),
            "visit_type": visit_type,
            "fee_paise": fee,
            "channel": channel,
            "campaign": campaign,
        },
    )
    ctx.audit("booking.created", "booking", booking.booking_id, after=snapshot(booking))
    if deposit > 0:
        orders.create_order(ctx, booking, "deposit", deposit)
    return booking


def cancel_booking(ctx: Ctx, booking_id: str, reason: str, *, by_staff: bool) -> Booking:
    booking = get_booking(ctx.session, ctx.tenant_id, booking_id, lock=True)
    rules.require_open(booking.booking_id, booking.status, "cancelled")
    if booking.slot_start <= ctx.now and not by_staff:
        raise Conflict("the appointment has already started; ask the clinic to cancel it or mark a no-show")
    before = snapshot(booking)
    booking.status = "cancelled"
    booking.cancel_reason = reason
    booking.updated_at = ctx.now
    ctx.emit(
        "appointment.cancelled",
        branch_id=booking.branch_id,
        subject=booking.booking_id,
        data={"booking_id": booking.booking_id, "reason": reason},
    )
    ctx.audit("booking.cancelled", "booking", booking.booking_id, before=before, after=snapshot(booking))
    payments.refund_on_cancel(ctx, booking, reason)
    return booking


def reschedule_booking(ctx: Ctx, booking_id: str, new_start: datetime) -> Booking:
    booking = get_booking(ctx.session, ctx.tenant_id, booking_id, lock=True)
    rules.require_open(booking.booking_id, booking.status, "rescheduled")
    if booking.slot_start <= ctx.now:
        raise Conflict("the appointment has already started; it cannot be rescheduled")
    if booking.reschedule_count >= ctx.tenant.max_reschedules:
        raise Conflict(f"a booking can be rescheduled at most {ctx.tenant.max_reschedules} times")
    doctor = get_doctor(ctx.session, ctx.tenant_id, booking.doctor_id)
    slot = check_slot(ctx.session, ctx.tenant, doctor, new_start, booking.visit_type, ctx.now)
    if slot.start == booking.slot_start:
        raise Conflict("the booking is already in that slot", field="slot_start")
    before = snapshot(booking)
    old_start = booking.slot_start
    try:
        with ctx.session.begin_nested():  # the move is flushed inside the savepoint: the index may refuse it
            booking.slot_start = slot.start
            booking.slot_minutes = slot.minutes
            booking.reschedule_count += 1
            booking.updated_at = ctx.now
    except IntegrityError:
        raise _slot_taken(booking.doctor_id, slot.start) from None
    ctx.emit(
        "appointment.rescheduled",
        branch_id=booking.branch_id,
        subject=booking.booking_id,
        data={
            "booking_id": booking.booking_id,
            "old_slot_start": rfc3339(old_start),
            "new_slot_start": rfc3339(slot.start),
        },
    )
    ctx.audit("booking.rescheduled", "booking", booking.booking_id, before=before, after=snapshot(booking))
    return booking


def complete_booking(ctx: Ctx, booking_id: str) -> Booking:
    booking = get_booking(ctx.session, ctx.tenant_id, booking_id, lock=True)
    rules.require_open(booking.booking_id, booking.status, "completed")
    if booking.visit_type == "tele" and booking.status != "confirmed":
        raise Conflict("tele visits are prepaid: this one is not paid, so it cannot be completed")
    rules.require_started(booking.slot_start, ctx.now)
    return mark_completed(ctx, booking)


def mark_no_show(ctx: Ctx, booking_id: str) -> Booking:
    booking = get_booking(ctx.session, ctx.tenant_id, booking_id, lock=True)
    rules.require_open(booking.booking_id, booking.status, "marked a no-show")
    rules.require_started(booking.slot_start, ctx.now)
    before = snapshot(booking)
    booking.status = "no_show"
    booking.updated_at = ctx.now
    ctx.emit(
        "appointment.no_show",
        branch_id=booking.branch_id,
        subject=booking.booking_id,
        data={"booking_id": booking.booking_id},
    )
    ctx.audit("booking.no_show", "booking", booking.booking_id, before=before, after=snapshot(booking))
    return booking
