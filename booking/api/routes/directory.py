"""Portal reads: branches, doctors, free slots, pricing."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Query

from booking.api.deps import ERRORS, Caller, Service
from booking.api.schemas import ID_PATTERN, TEXT_PATTERN, BranchOut, DoctorOut, PriceOut, SlotOut, VisitType
from booking.domain.booking import fee_and_deposit
from booking.domain.errors import Forbidden, NotFound, Unprocessable
from booking.services import reads

if TYPE_CHECKING:
    from booking.infra.models import Doctor
from core.time import IST

router = APIRouter(prefix="/v1", tags=["portal"], responses=ERRORS)
IdPath = Annotated[str, Path(pattern=ID_PATTERN)]
IdQuery = Annotated[str | None, Query(pattern=ID_PATTERN)]


@router.get("/branches", response_model=list[BranchOut], summary="List the tenant's branches")
def list_branches(service: Service, caller: Caller) -> list[BranchOut]:
    return [
        BranchOut.model_validate(b, from_attributes=True)
        for b in reads.branches(service.db, caller.tenant_id)
    ]


@router.get("/doctors", response_model=list[DoctorOut], summary="List doctors by branch and/or specialty")
def list_doctors(
    service: Service,
    caller: Caller,
    branch_id: IdQuery = None,
    specialty: Annotated[str | None, Query(min_length=1, max_length=100, pattern=TEXT_PATTERN)] = None,
) -> list[DoctorOut]:
    show_prices = caller.is_staff or caller.tenant.pricing_visibility == "public"
    return [
        DoctorOut(
            doctor_id=d.doctor_id,
            branch_id=d.branch_id,
            name=d.name,
            specialty=d.specialty,
            consultation_fee_paise=d.consultation_fee_paise if show_prices else None,
            tele_fee_paise=(d.tele_fee_paise or d.consultation_fee_paise) if show_prices else None,
        )
        for d in reads.doctors(service.db, caller.tenant_id, branch_id=branch_id, specialty=specialty)
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
    slots = reads.doctor_free_slots(service.db, caller.tenant_id, doctor_id, day, now, visit_type)
    return [
        SlotOut.model_validate({"slot_start": s.start, "slot_end": s.end, "visit_types": s.visit_types})
        for s in slots
    ]


@router.get("/pricing", response_model=list[PriceOut], summary="Consultation prices (visibility per tenant)")
def pricing(
    service: Service, caller: Caller, branch_id: IdQuery = None, doctor_id: IdQuery = None
) -> list[PriceOut]:
    if not caller.is_staff and caller.tenant.pricing_visibility != "public":
        raise Forbidden("this clinic shows its prices to staff only")
    doctors = reads.doctors(service.db, caller.tenant_id, branch_id=branch_id, doctor_id=doctor_id)
    if (branch_id or doctor_id) and not doctors:
        raise NotFound("no doctor matches", field="doctor_id" if doctor_id else "branch_id")
    return [_price(d, caller.tenant.deposit_pct) for d in doctors]


def _price(doctor: Doctor, deposit_pct: int) -> PriceOut:
    fee, deposit = fee_and_deposit(
        "in_person", doctor.consultation_fee_paise, doctor.tele_fee_paise, deposit_pct
    )
    tele_fee, _ = fee_and_deposit("tele", doctor.consultation_fee_paise, doctor.tele_fee_paise, deposit_pct)
    return PriceOut(
        doctor_id=doctor.doctor_id,
        branch_id=doctor.branch_id,
        specialty=doctor.specialty,
        in_person_fee_paise=fee,
        in_person_deposit_paise=deposit,
        tele_fee_paise=tele_fee,
    )
