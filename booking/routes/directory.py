"""Portal reads: branches, doctors, free slots, pricing."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy import select

from booking.bookings import get_doctor
from booking.deps import ERRORS, Caller, Service
from booking.errors import Forbidden, NotFound, Unprocessable
from booking.models import Branch, Doctor
from booking.schemas import ID_PATTERN, TEXT_PATTERN, BranchOut, DoctorOut, PriceOut, SlotOut, VisitType
from booking.slots import free_slots
from core.time import IST

router = APIRouter(prefix="/v1", tags=["portal"], responses=ERRORS)
IdPath = Annotated[str, Path(pattern=ID_PATTERN)]
IdQuery = Annotated[str | None, Query(pattern=ID_PATTERN)]


@router.get("/branches", response_model=list[BranchOut], summary="List the tenant's branches")
def list_branches(service: Service, caller: Caller) -> list[BranchOut]:
    with service.db.read() as s:
        rows = s.scalars(
            select(Branch)
            .where(Branch.tenant_id == caller.tenant_id, Branch.active)
            .order_by(Branch.branch_id)
        )
        return [BranchOut(branch_id=b.branch_id, name=b.name, city=b.city, state=b.state) for b in rows]


@router.get("/doctors", response_model=list[DoctorOut], summary="List doctors by branch and/or specialty")
def list_doctors(
    service: Service,
    caller: Caller,
    branch_id: IdQuery = None,
    specialty: Annotated[str | None, Query(min_length=1, max_length=100, pattern=TEXT_PATTERN)] = None,
) -> list[DoctorOut]:
    show_prices = caller.is_staff or caller.tenant.pricing_visibility == "public"
    with service.db.read() as s:
        if branch_id is not None and s.get(Branch, (caller.tenant_id, branch_id)) is None:
            raise NotFound(f"branch {branch_id} not found", field="branch_id")
        query = select(Doctor).where(Doctor.tenant_id == caller.tenant_id, Doctor.active)
        if branch_id is not None:
            query = query.where(Doctor.branch_id == branch_id)
        if specialty is not None:
            query = query.where(Doctor.specialty == specialty)
        return [
            DoctorOut(
                doctor_id=d.doctor_id,
                branch_id=d.branch_id,
                name=d.name,
                specialty=d.specialty,
                consultation_fee_paise=d.consultation_fee_paise if show_prices else None,
                tele_fee_paise=(d.tele_fee_paise or d.consultation_fee_paise) if show_prices else None,
            )
            for d in s.scalars(query.order_by(Doctor.doctor_id))
        ]


@router.get(
    "/doctors/{doctor_id}/slots", response_model=list[SlotOut], summary="A doctor's free slots on an IST date"
)
def list_free_slots(
    service: Service,
    caller: Caller,
    doctor_id: IdPath,
    day: Annotated[date, Query(alias="date", description="IST calendar date, YYYY-MM-DD")],
    visit_type: VisitType | None = None,
) -> list[SlotOut]:
    now = service.clock.now()
    today = now.astimezone(IST).date()
    if not 0 <= (day - today).days <= caller.tenant.booking_window_days:
        raise Unprocessable(
            f"date must be between today ({today}) and {caller.tenant.booking_window_days} days ahead",
            field="date",
        )
    with service.db.read() as s:
        doctor = get_doctor(s, caller.tenant_id, doctor_id)
        return [
            SlotOut(slot_start=slot.start, slot_end=slot.end, visit_types=list(slot.visit_types))  # type: ignore[arg-type]
            for slot in free_slots(s, doctor, day, now, visit_type)
        ]


@router.get("/pricing", response_model=list[PriceOut], summary="Consultation prices (visibility per tenant)")
def pricing(
    service: Service, caller: Caller, branch_id: IdQuery = None, doctor_id: IdQuery = None
) -> list[PriceOut]:
    if not caller.is_staff and caller.tenant.pricing_visibility != "public":
        raise Forbidden("this clinic shows its prices to staff only")
    pct = caller.tenant.deposit_pct
    with service.db.read() as s:
        query = select(Doctor).where(Doctor.tenant_id == caller.tenant_id, Doctor.active)
        if branch_id is not None:
            query = query.where(Doctor.branch_id == branch_id)
        if doctor_id is not None:
            query = query.where(Doctor.doctor_id == doctor_id)
        doctors = list(s.scalars(query.order_by(Doctor.doctor_id)))
        if (branch_id or doctor_id) and not doctors:
            raise NotFound("no doctor matches", field="doctor_id" if doctor_id else "branch_id")
        return [
            PriceOut(
                doctor_id=d.doctor_id,
                branch_id=d.branch_id,
                specialty=d.specialty,
                in_person_fee_paise=d.consultation_fee_paise,
                in_person_deposit_paise=d.consultation_fee_paise * pct // 100,
                tele_fee_paise=d.tele_fee_paise or d.consultation_fee_paise,
            )
            for d in doctors
        ]
