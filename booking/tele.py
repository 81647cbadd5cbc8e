"""Tele visits: prepaid; once paid a meeting room is opened (`tele.room.created`) and join links are signed,
expiring Jitsi-style JWTs; the meeting provider reports sessions by a signed webhook.

The join link is a bearer credential, so it is served by the API to the booking's callers and never put
into events (which end up in the warehouse); `tele.room.created` carries the room and the link's window.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

import jwt
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from booking.clock import rfc3339
from booking.context import Ctx
from booking.errors import BadRequest, Conflict
from booking.ids import new_id
from booking.models import Booking, TeleRoom, snapshot
from booking.settings import TeleConfig

PROVIDER = "jitsi"
ROOM_NEXT: dict[str, set[str]] = {
    "created": {"started", "completed", "failed"},
    "started": {"completed", "failed"},
    "completed": set(),
    "failed": set(),
}
DEFAULT_TELE = TeleConfig(app_secret="x" * 32)  # only its link windows are used, when a tenant has no tele


def _in_utc(when: datetime) -> datetime:
    """The instant in UTC; one that UTC cannot hold (year 1 east of Greenwich, year 9999 west) is refused."""
    try:
        return when.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is outside the range this service can store") from None


UtcTime = Annotated[AwareDatetime, AfterValidator(_in_utc)]


class TeleSessionWebhook(BaseModel):
    """What the meeting provider posts to /v1/webhooks/tele (signed `t=…,v1=…`)."""

    model_config = ConfigDict(extra="forbid")
    event_id: str = Field(pattern=r"^[A-Za-z0-9_\-.:]{1,128}$")
    type: Literal["tele.session.started", "tele.session.completed", "tele.session.failed"]
    room_id: str = Field(pattern=r"^room_\w{1,40}$")
    occurred_at: UtcTime
    started_at: UtcTime | None = None
    ended_at: UtcTime | None = None
    reason: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> TeleSessionWebhook:
        if self.started_at and self.ended_at and self.ended_at < self.started_at:
            raise ValueError(ENDS_BEFORE_START)
        return self


ENDS_BEFORE_START = "the session ends before it starts (ended_at is earlier than started_at)"


def link_window(tele: TeleConfig | None, booking: Booking) -> tuple[datetime, datetime]:
    tele = tele or DEFAULT_TELE
    start = booking.slot_start - timedelta(minutes=tele.link_opens_minutes_before)
    end = booking.slot_start + timedelta(minutes=booking.slot_minutes + tele.link_expires_minutes_after)
    return start, end


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


@dataclass(frozen=True, slots=True)
class JoinLink:
    room_id: str
    url: str
    valid_from: datetime
    expires_at: datetime
    role: Literal["patient", "doctor"]


def join_link(
    tele: TeleConfig | None, booking: Booking, room: TeleRoom | None, *, moderator: bool, user_id: str
) -> JoinLink:
    if tele is None:
        raise Conflict("tele visits are not configured for this tenant")
    if booking.visit_type != "tele":
        raise Conflict("this booking is not a tele visit")
    if booking.status in ("cancelled", "no_show", "completed"):
        raise Conflict(f"the booking is {booking.status}; no join link is issued")
    if booking.status != "confirmed" or room is None:
        raise Conflict("tele visits are prepaid: the join link is issued once the fee is paid")
    valid_from, expires = link_window(tele, booking)
    token = jwt.encode(
        {
            "aud": "jitsi",
            "iss": tele.app_id,
            "sub": tele.domain,
            "room": room.room_name,
            "nbf": int(valid_from.timestamp()),
            "exp": int(expires.timestamp()),
            "context": {
                "user": {"id": user_id, "name": "Doctor" if moderator else "Patient", "moderator": moderator}
            },
        },
        tele.app_secret.get_secret_value(),
        algorithm="HS256",
    )
    return JoinLink(
        room_id=room.room_id,
        url=f"https://{tele.domain}/{room.room_name}?jwt={token}",
        valid_from=valid_from,
        expires_at=expires,
        role="doctor" if moderator else "patient",
    )


def apply_session_event(ctx: Ctx, event: TeleSessionWebhook) -> str:
    room = ctx.session.get(TeleRoom, event.room_id, with_for_update=True)
    if room is None or room.tenant_id != ctx.tenant_id:
        return "ignored: unknown room"
    target = event.type.rsplit(".", 1)[1]
    if target == room.status or target not in ROOM_NEXT[room.status]:
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
        if room.ended_at < room.started_at:
            raise BadRequest(ENDS_BEFORE_START)  # rolls back: no receipt, the provider may send it corrected
        seconds = int((room.ended_at - room.started_at).total_seconds())
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
        from booking.bookings import mark_completed

        mark_completed(ctx, booking)
    return f"session {target}"
