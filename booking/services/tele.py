"""Tele visits: prepaid; once paid a meeting room is opened (`tele.room.created`) and join links are signed,
expiring Jitsi-style JWTs; the meeting provider reports sessions by a signed webhook.

The join link is a bearer credential, so it is served by the API to the booking's callers and never put
into events (which end up in the warehouse); `tele.room.created` carries the room and the link's window.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from booking.domain import tele as tele_rules
from booking.domain.clock import rfc3339
from booking.domain.errors import Conflict
from booking.domain.ids import new_id
from booking.infra.models import Booking, TeleRoom, snapshot
from booking.integrations.tele_provider import PROVIDER, JoinLink, TeleSessionWebhook, signed_link
from booking.services.completion import mark_completed
from booking.services.context import Ctx
from booking.settings import TeleConfig

DEFAULT_TELE = TeleConfig(app_secret="x" * 32)  # only its link windows are used, when a tenant has no tele


def link_window(tele: TeleConfig | None, booking: Booking) -> tuple[datetime, datetime]:
    tele = tele or DEFAULT_TELE
    return tele_rules.link_window(
        booking.slot_start,
        booking.slot_minutes,
        opens_minutes_before=tele.link_opens_minutes_before,
        expires_minutes_after=tele.link_expires_minutes_after,
    )


def open_room(ctx: Ctx, booking: Booking) -> TeleRoom:
    existing = ctx.session.query(TeleRoom).filter_by(booking_id=booking.booking_id).one_or_none()
    if existing is not None:
        return existing
    room = TeleRoom(
        room_id=new_id("room_"),
        tenant_id=ctx.tenant_id,
        booking_id=booking.booking_id,
        room_name=f"mymedic-{secrets.token_hex(12)}",
        status="created",
        created_at=ctx.now,
    )
    ctx.session.add(room)
    valid_from, expires = link_window(ctx.tenant.tele, booking)
    ctx.emit(
        "tele.room.created",
        branch_id=booking.branch_id,
        subject=booking.booking_id,
        data={
            "booking_id": booking.booking_id,
            "room_id": room.room_id,
            "patient_id": booking.patient_id,
            "doctor_id": booking.doctor_id,
            "branch_id": booking.branch_id,
            "provider": PROVIDER,
            "slot_start": rfc3339(booking.slot_start),
            "link_valid_from": rfc3339(valid_from),
            "link_expires_at": rfc3339(expires),
        },
    )
    ctx.audit("tele_room.created", "tele_room", room.room_id, after=snapshot(room, exclude=("room_name",)))
    return room


def join_link(
    tele: TeleConfig | None, booking: Booking, room: TeleRoom | None, *, moderator: bool, user_id: str
) -> JoinLink:
    if tele is None:
        raise Conflict("tele visits are not configured for this tenant")
    tele_rules.require_link_allowed(booking.status, booking.visit_type, room is not None)
    assert room is not None
    valid_from, expires = link_window(tele, booking)
    return signed_link(
        tele, room.room_id, room.room_name, valid_from, expires, moderator=moderator, user_id=user_id
    )


def apply_session_event(ctx: Ctx, event: TeleSessionWebhook) -> str:
    room = ctx.session.get(TeleRoom, event.room_id, with_for_update=True)
    if room is None or room.tenant_id != ctx.tenant_id:
        return "ignored: unknown room"
    target = event.type.rsplit(".", 1)[1]
    if not tele_rules.room_moves(room.status, target):
        return f"no change: session is already {room.status}"
    booking = ctx.session.get(Booking, room.booking_id, with_for_update=True)
    assert booking is not None
    before = snapshot(room, exclude=("room_name",))
    room.status = target
    base = {"booking_id": booking.booking_id, "room_id": room.room_id, "branch_id": booking.branch_id}
    if target == "started":
        room.started_at = event.started_at or event.occurred_at
        data = {**base, "started_at": rfc3339(room.started_at)}
    elif target == "completed":
        room.ended_at = event.ended_at or event.occurred_at
        room.started_at = event.started_at or room.started_at or room.ended_at
        # refused (rolls back: no receipt) when it ends before it starts; the provider may send it corrected
        seconds = tele_rules.session_span(room.started_at, room.ended_at)
        data = {
            **base,
            "started_at": rfc3339(room.started_at),
            "ended_at": rfc3339(room.ended_at),
            "duration_seconds": seconds,
        }
    else:
        room.ended_at = event.occurred_at
        data = {**base, "failed_at": rfc3339(event.occurred_at), "reason": event.reason or "unspecified"}
    ctx.emit(event.type, branch_id=booking.branch_id, subject=booking.booking_id, data=data)
    ctx.audit(
        f"tele_room.{target}",
        "tele_room",
        room.room_id,
        before=before,
        after=snapshot(room, exclude=("room_name",)),
    )
    if target == "completed" and booking.status == "confirmed":
        mark_completed(ctx, booking)
    return f"session {target}"
