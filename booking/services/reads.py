"""What the API reads: the directory, free slots, a booking with its money, the audit trail.

Every query the routes need lives here (routes do no ORM queries). Rows are returned loaded and detached;
the API turns them into its response models.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select, text

from booking.domain import booking as booking_rules
from booking.domain.channels import PosterPlace
from booking.domain.errors import NotFound
from booking.domain.payment import paid_from
from booking.infra.db import Database
from booking.infra.models import AuditEvent, Booking, Branch, Doctor, PaymentOrder, Refund, TeleRoom, Tenant
from booking.integrations.tele_provider import JoinLink
from booking.services import orders, tele
from booking.services.bookings import get_booking, get_branch, get_doctor
from booking.services.context import Ctx
from booking.services.slots import Slot, free_slots
from booking.settings import TenantConfig


def ping(db: Database) -> None:
    """Raises when the database cannot be reached."""
    with db.read() as s:
        s.execute(text("select 1"))


def branches(db: Database, tenant_id: str) -> list[Branch]:
    with db.read() as s:
        query = select(Branch).where(Branch.tenant_id == tenant_id, Branch.active).order_by(Branch.branch_id)
        return list(s.scalars(query))


def branch(db: Database, tenant_id: str, branch_id: str) -> Branch:
    with db.read() as s:
        return get_branch(s, tenant_id, branch_id)


def doctors(
    db: Database,
    tenant_id: str,
    *,
    branch_id: str | None = None,
    specialty: str | None = None,
    doctor_id: str | None = None,
) -> list[Doctor]:
    """Active doctors, filtered; an unknown branch is NotFound (an empty list would hide a typo)."""
    with db.read() as s:
        if branch_id is not None and s.get(Branch, (tenant_id, branch_id)) is None:
            raise NotFound(f"branch {branch_id} not found", field="branch_id")
        query = select(Doctor).where(Doctor.tenant_id == tenant_id, Doctor.active)
        if branch_id is not None:
            query = query.where(Doctor.branch_id == branch_id)
        if specialty is not None:
            query = query.where(Doctor.specialty == specialty)
        if doctor_id is not None:
            query = query.where(Doctor.doctor_id == doctor_id)
        return list(s.scalars(query.order_by(Doctor.doctor_id)))


def doctor_at(db: Database, tenant_id: str, doctor_id: str, branch_id: str) -> Doctor:
    """The doctor, who must sit at `branch_id` (the widget is per branch)."""
    with db.read() as s:
        doctor = get_doctor(s, tenant_id, doctor_id)
    if doctor.branch_id != branch_id:
        raise NotFound(f"doctor {doctor_id} not found at branch {branch_id}", field="doctor_id")
    return doctor


def doctor_free_slots(
    db: Database, tenant_id: str, doctor_id: str, day: date, now: datetime, visit_type: str | None
) -> list[Slot]:
    with db.read() as s:
        return free_slots(s, get_doctor(s, tenant_id, doctor_id), day, now, visit_type)


def tenant_name(db: Database, tenant: TenantConfig) -> str:
    """The clinic's name as patients see it: the config's, else the directory's, else the id."""
    if tenant.name:
        return tenant.name
    with db.read() as s:
        row = s.get(Tenant, tenant.tenant_id)
        return row.name if row else tenant.tenant_id


def audit_trail(db: Database, tenant_id: str, entity_id: str, limit: int) -> list[AuditEvent]:
    with db.read() as s:
        query = (
            select(AuditEvent)
            .where(AuditEvent.tenant_id == tenant_id, AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.id)
            .limit(limit)
        )
        return list(s.scalars(query))


@dataclass(frozen=True, slots=True)
class BookingView:
    """A booking as the API shows it: its state, its orders and refunds, and what is paid and due."""

    booking_id: str
    branch_id: str
    doctor_id: str
    patient_id: str
    visit_type: str
    status: str
    slot_start: datetime
    slot_end: datetime
    fee_paise: int
    deposit_paise: int
    paid_paise: int
    refunded_paise: int
    balance_due_paise: int
    cancel_reason: str | None
    channel: str
    campaign: str
    tele_room_id: str | None
    created_at: datetime
    updated_at: datetime
    orders: list[PaymentOrder]
    refunds: list[Refund]


def booking_view(ctx: Ctx, booking: Booking) -> BookingView:
    booking_orders = orders.orders_of(ctx, booking.booking_id)
    paid = paid_from(booking_orders, orders.payments_of(ctx, booking.booking_id))
    refunds = orders.refunds_of(ctx, booking.booking_id)
    room = ctx.session.scalar(select(TeleRoom.room_id).where(TeleRoom.booking_id == booking.booking_id))
    return BookingView(
        booking_id=booking.booking_id,
        branch_id=booking.branch_id,
        doctor_id=booking.doctor_id,
        patient_id=booking.patient_id,
        visit_type=booking.visit_type,
        status=booking.status,
        slot_start=booking.slot_start,
        slot_end=booking.slot_start + timedelta(minutes=booking.slot_minutes),
        fee_paise=booking.fee_paise,
        deposit_paise=booking.deposit_paise,
        paid_paise=paid,
        refunded_paise=sum(r.amount_paise for r in refunds if r.status != "failed"),
        balance_due_paise=booking_rules.due_from(booking.status, booking.fee_paise, paid),
        cancel_reason=booking.cancel_reason,
        channel=booking.channel,
        campaign=booking.campaign,
        tele_room_id=room,
        created_at=booking.created_at,
        updated_at=booking.updated_at,
        orders=booking_orders,
        refunds=refunds,
    )


def read_booking(
    db: Database, tenant: TenantConfig, actor: str, now: datetime, booking_id: str
) -> BookingView:
    with db.read() as s:
        return booking_view(Ctx(s, tenant, actor, now), get_booking(s, tenant.tenant_id, booking_id))


def tele_link(
    db: Database, tenant: TenantConfig, booking_id: str, *, moderator: bool, user_id: str | None
) -> JoinLink:
    """The join link of a paid tele visit: the doctor's (moderator) or the patient's."""
    with db.read() as s:
        booking = get_booking(s, tenant.tenant_id, booking_id)
        room = s.scalar(select(TeleRoom).where(TeleRoom.booking_id == booking_id))
        return tele.join_link(
            tenant.tele, booking, room, moderator=moderator, user_id=user_id or booking.patient_id
        )


def poster_places(
    db: Database, branch_id: str, *, tenant_id: str | None = None, doctor_id: str | None = None
) -> list[PosterPlace]:
    """What the QR posters of a branch name: the branch itself, then each active doctor (or only `doctor_id`).

    Raises LookupError (one sentence) for an unknown branch or doctor, or a branch id several tenants use.
    """
    with db.read() as s:
        query = select(Branch).where(Branch.branch_id == branch_id, Branch.active)
        if tenant_id is not None:
            query = query.where(Branch.tenant_id == tenant_id)
        branches = list(s.scalars(query))
        if not branches:
            raise LookupError(f"branch {branch_id} not found: seed it first (mymedic booking seed)")
        if len(branches) > 1:
            tenants = ", ".join(sorted(b.tenant_id for b in branches))
            raise LookupError(f"branch {branch_id} belongs to several tenants ({tenants}): pass --tenant")
        branch = branches[0]
        tenant = s.get(Tenant, branch.tenant_id)
        clinic = tenant.name if tenant is not None else branch.tenant_id
        doctors = select(Doctor).where(
            Doctor.tenant_id == branch.tenant_id, Doctor.branch_id == branch_id, Doctor.active
        )
        if doctor_id is not None:
            doctors = doctors.where(Doctor.doctor_id == doctor_id)
        found = list(s.scalars(doctors.order_by(Doctor.doctor_id)))
        if doctor_id is not None and not found:
            raise LookupError(f"doctor {doctor_id} not found at branch {branch_id}")
        base = PosterPlace(
            tenant_id=branch.tenant_id,
            clinic=clinic,
            branch_id=branch_id,
            branch_name=branch.name,
            city=branch.city,
        )
        people = [
            replace(base, doctor_id=d.doctor_id, doctor_name=d.name, specialty=d.specialty) for d in found
        ]
        return people if doctor_id is not None else [base, *people]
