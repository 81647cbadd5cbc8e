"""A doctor's slots: generated from the weekly schedule (IST), minus live bookings and the past."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.domain.errors import Unprocessable
from booking.infra.models import Booking, Doctor, DoctorSchedule
from booking.settings import TenantConfig
from core.time import IST


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime
    minutes: int
    visit_types: tuple[str, ...]

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)


def _visit_types(schedule: DoctorSchedule) -> tuple[str, ...]:
    return tuple(v.strip() for v in schedule.visit_types.split(",") if v.strip())


def schedules_for(session: Session, tenant_id: str, doctor_id: str, weekday: int) -> list[DoctorSchedule]:
    return list(
        session.scalars(
            select(DoctorSchedule)
            .where(
                DoctorSchedule.tenant_id == tenant_id,
                DoctorSchedule.doctor_id == doctor_id,
                DoctorSchedule.weekday == weekday,
            )
            .order_by(DoctorSchedule.start_minute)
        )
    )


def day_slots(session: Session, doctor: Doctor, day: date) -> list[Slot]:
    """Every slot of the doctor's schedule on the IST calendar date `day`."""
    midnight = datetime.combine(day, time(0), IST)
    slots: dict[datetime, Slot] = {}
    for schedule in schedules_for(session, doctor.tenant_id, doctor.doctor_id, day.weekday()):
        minute = schedule.start_minute
        while minute + schedule.slot_minutes <= schedule.end_minute:
            start = (midnight + timedelta(minutes=minute)).astimezone(UTC)
            slots.setdefault(start, Slot(start, schedule.slot_minutes, _visit_types(schedule)))
            minute += schedule.slot_minutes
    return sorted(slots.values(), key=lambda s: s.start)


def booked_starts(session: Session, doctor: Doctor, start: datetime, end: datetime) -> set[datetime]:
    return set(
        session.scalars(
            select(Booking.slot_start).where(
                Booking.tenant_id == doctor.tenant_id,
                Booking.doctor_id == doctor.doctor_id,
                Booking.slot_start >= start,
                Booking.slot_start < end,
                Booking.status != "cancelled",
            )
        )
    )


def free_slots(
    session: Session, doctor: Doctor, day: date, now: datetime, visit_type: str | None = None
) -> list[Slot]:
    slots = [s for s in day_slots(session, doctor, day) if s.start > now]
    if visit_type:
        slots = [s for s in slots if visit_type in s.visit_types]
    if not slots:
        return []
    taken = booked_starts(session, doctor, slots[0].start, slots[-1].end)
    return [s for s in slots if s.start not in taken]


def check_slot(
    session: Session, tenant: TenantConfig, doctor: Doctor, start: datetime, visit_type: str, now: datetime
) -> Slot:
    """The schedule slot starting at `start`, or Unprocessable saying why it cannot be booked.
    (Whether it is free is left to the unique index at insert time.)"""
    start = start.astimezone(UTC)
    if start <= now:
        raise Unprocessable("slot_start is in the past", field="slot_start")
    if start > now + timedelta(days=tenant.booking_window_days):
        raise Unprocessable(
            f"slot_start is more than {tenant.booking_window_days} days ahead", field="slot_start"
        )
    day = start.astimezone(IST).date()
    slot = next((s for s in day_slots(session, doctor, day) if s.start == start), None)
    if slot is None:
        raise Unprocessable(
            f"doctor {doctor.doctor_id} has no slot starting at {start.astimezone(IST):%Y-%m-%d %H:%M} IST; "
            "list the free slots first",
            field="slot_start",
        )
    if visit_type not in slot.visit_types:
        raise Unprocessable(
            f"that slot takes {', '.join(slot.visit_types)} visits, not {visit_type}", field="visit_type"
        )
    return slot
