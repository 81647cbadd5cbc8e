"""The tele room state machine and its time rules.

created ─→ started ─→ completed
    └──────┴────────→ failed           (completed and failed are final)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from booking.domain.errors import BadRequest, Conflict

ROOM_NEXT: dict[str, frozenset[str]] = {
    "created": frozenset({"started", "completed", "failed"}),
    "started": frozenset({"completed", "failed"}),
    "completed": frozenset(),
    "failed": frozenset(),
}
ENDS_BEFORE_START = "the session ends before it starts (ended_at is earlier than started_at)"
NO_LINK_STATUSES = ("cancelled", "no_show", "completed", "expired")


def room_moves(status: str, target: str) -> bool:
    return target != status and target in ROOM_NEXT[status]


def link_window(
    slot_start: datetime, slot_minutes: int, *, opens_minutes_before: int, expires_minutes_after: int
) -> tuple[datetime, datetime]:
    """When a join link is valid: from a little before the slot to a little after it ends."""
    start = slot_start - timedelta(minutes=opens_minutes_before)
    end = slot_start + timedelta(minutes=slot_minutes + expires_minutes_after)
    return start, end


def session_span(started_at: datetime, ended_at: datetime) -> int:
    """The session's length in seconds; a session ending before it starts is refused."""
    if ended_at < started_at:
        raise BadRequest(ENDS_BEFORE_START)
    return int((ended_at - started_at).total_seconds())


def require_link_allowed(booking_status: str, visit_type: str, has_room: bool) -> None:
    if visit_type != "tele":
        raise Conflict("this booking is not a tele visit")
    if booking_status in NO_LINK_STATUSES:
        raise Conflict(f"the booking is {booking_status}; no join link is issued")
    if booking_status != "confirmed" or not has_room:
        raise Conflict("tele visits are prepaid: the join link is issued once the fee is paid")
