"""Patient messages queued from domain events, in the event's own transaction (never sent in a request).

`Ctx.emit` hands every event here: `appointment.booked` queues the confirmation and the 24 h and 2 h
reminders, `appointment.rescheduled` the notice and new reminders (the old slot's pending reminders are
superseded), `appointment.cancelled` the notice, `tele.room.created` the visit's join notice,
`payment.refund.issued` the refund notice, `appointment.completed` the follow-up recall (when the tenant
sets `follow_up_days`). One message per channel the tenant sends on and the patient can be reached on; each
writes `message.queued` (and `message.deferred` when a reminder falls in the quiet hours).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from booking.domain import messaging as rules
from booking.domain.clock import IST, rfc3339
from booking.domain.ids import new_id
from booking.infra import outbox
from booking.infra.models import Booking, Branch, Doctor, Message, Patient, Payment, Tenant
from booking.settings import TenantConfig


def _when(at: datetime) -> str:
    return at.astimezone(IST).strftime("%a %d %b %Y, %H:%M IST")


def _rupees(paise: int) -> str:
    return f"Rs {paise // 100:,}.{paise % 100:02d}"


def _booking_of(session: Session, event_type: str, data: dict[str, Any]) -> Booking | None:
    booking_id = data.get("booking_id")
    if booking_id is None and event_type == "payment.refund.issued":
        payment = session.get(Payment, data["payment_id"])
        booking_id = payment.booking_id if payment else None
    return session.get(Booking, booking_id) if booking_id else None


def _variables(session: Session, tenant: TenantConfig, booking: Booking, patient: Patient) -> dict[str, str]:
    branch = session.get(Branch, (booking.tenant_id, booking.branch_id))
    doctor = session.get(Doctor, (booking.tenant_id, booking.doctor_id))
    stored = session.get(Tenant, booking.tenant_id)
    return {
        "patient_name": patient.name,
        "clinic_name": tenant.name or (stored.name if stored else tenant.tenant_id),
        "branch_name": branch.name if branch else booking.branch_id,
        "doctor_name": doctor.name if doctor else booking.doctor_id,
        "slot_time": _when(booking.slot_start),
        "booking_id": booking.booking_id,
    }


def supersede_reminders(session: Session, tenant_id: str, booking_id: str, now: datetime) -> None:
    """A booking moved, cancelled, expired or over: its pending reminders no longer apply."""
    session.execute(
        update(Message)
        .where(
            Message.tenant_id == tenant_id,
            Message.booking_id == booking_id,
            Message.purpose.in_(rules.REMINDERS),
            Message.state.in_(rules.PENDING_STATES),
        )
        .values(state="superseded", updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _recipients(tenant: TenantConfig, patient: Patient) -> list[tuple[str, str]]:
    assert tenant.messaging is not None
    out = []
    for channel in tenant.messaging.channels:
        recipient = patient.email if channel == "email" else patient.phone
        if recipient:
            out.append((channel, recipient))
    return out


def queue_message(
    session: Session,
    tenant: TenantConfig,
    *,
    booking: Booking,
    patient: Patient,
    purpose: str,
    scheduled_for: datetime,
    values: dict[str, str],
    now: datetime,
) -> list[Message]:
    """One message per reachable channel, with its `message.queued` (and `message.deferred`) events."""
    assert tenant.messaging is not None
    templates = rules.load_templates(tenant.messaging.templates_file)
    language = patient.language or tenant.messaging.default_language
    template = templates.get(purpose, language)
    quiet = (
        rules.quiet_until(tenant.messaging.quiet_hours, scheduled_for) if purpose in rules.REMINDERS else None
    )
    made = []
    for channel, recipient in _recipients(tenant, patient):
        message = Message(
            message_id=new_id("msg_", 20),
            tenant_id=tenant.tenant_id,
            branch_id=booking.branch_id,
            booking_id=booking.booking_id,
            patient_id=patient.patient_id,
            channel=channel,
            provider=rules.OUTBOUND_PROVIDER[channel],
            purpose=purpose,
            template=template.name_for(channel),
            language=template.language,
            recipient=recipient,
            recipient_masked=rules.mask_recipient(channel, recipient),
            variables=json.dumps(values, ensure_ascii=False, sort_keys=True),
            state="deferred" if quiet else "queued",
            scheduled_for=scheduled_for,
            next_attempt_at=quiet or scheduled_for,
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        session.add(message)
        emit_message_event(session, message, "message.queued", now, {
            "booking_id": booking.booking_id,
            "patient_id": patient.patient_id,
            "branch_id": booking.branch_id,
            "channel": channel,
            "provider": message.provider,
            "template": message.template,
            "language": message.language,
            "purpose": purpose,
            "recipient_masked": message.recipient_masked,
            "scheduled_for": rfc3339(scheduled_for),
        })  # fmt: skip
        if quiet:
            emit_message_event(
                session, message, "message.deferred", now,
                {"reason": "quiet_hours", "deferred_until": rfc3339(quiet)},
            )  # fmt: skip
        made.append(message)
    return made


def emit_message_event(
    session: Session, message: Message, event_type: str, at: datetime, data: dict[str, Any]
) -> None:
    outbox.emit(
        session,
        tenant_id=message.tenant_id,
        branch_id=message.branch_id,
        event_type=event_type,
        subject=message.message_id,
        data={"message_id": message.message_id, **data},
        at=at,
    )


def on_event(
    session: Session, tenant: TenantConfig, event_type: str, data: dict[str, Any], now: datetime
) -> None:
    """Queue the messages a domain event asks for (nothing when the tenant sends no messages)."""
    if tenant.messaging is None or event_type not in rules.MESSAGE_SOURCES:
        return
    booking = _booking_of(session, event_type, data)
    if booking is None:
        return
    if event_type in rules.SUPERSEDES_REMINDERS:
        supersede_reminders(session, tenant.tenant_id, booking.booking_id, now)
    planned = rules.planned_for(event_type, booking.slot_start, now, tenant.messaging.follow_up_days)
    if not planned:
        return
    patient = session.get(Patient, booking.patient_id)
    if patient is None:
        return
    values = _variables(session, tenant, booking, patient)
    if event_type == "appointment.rescheduled":
        values["old_slot_time"] = _when(datetime.fromisoformat(data["old_slot_start"]))
    if event_type == "payment.refund.issued":
        values["amount"] = _rupees(int(data["amount_paise"]))
    if event_type == "tele.room.created":
        values["link_opens_time"] = _when(datetime.fromisoformat(data["link_valid_from"]))
    for plan in planned:
        wanted = rules.VARIABLES[plan.purpose]
        queue_message(
            session,
            tenant,
            booking=booking,
            patient=patient,
            purpose=plan.purpose,
            scheduled_for=plan.scheduled_for,
            values={k: v for k, v in values.items() if k in wanted},
            now=now,
        )
