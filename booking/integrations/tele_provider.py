"""The meeting provider (Jitsi): its signed session webhook's shape, and the expiring JWT join links it accepts.

The join link is a bearer credential, so it is served by the API to the booking's callers and never put
into events (which end up in the warehouse).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

import jwt
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from booking.domain.tele import ENDS_BEFORE_START
from booking.settings import TeleConfig

PROVIDER = "jitsi"


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


@dataclass(frozen=True, slots=True)
class JoinLink:
    room_id: str
    url: str
    valid_from: datetime
    expires_at: datetime
    role: Literal["patient", "doctor"]


def signed_link(
    tele: TeleConfig,
    room_id: str,
    room_name: str,
    valid_from: datetime,
    expires: datetime,
    *,
    moderator: bool,
    user_id: str,
) -> JoinLink:
    """A join URL carrying a Jitsi JWT (HS256 with the tenant's app secret) valid only in the link window."""
    token = jwt.encode(
        {
            "aud": "jitsi",
            "iss": tele.app_id,
            "sub": tele.domain,
            "room": room_name,
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
        room_id=room_id,
        url=f"https://{tele.domain}/{room_name}?jwt={token}",
        valid_from=valid_from,
        expires_at=expires,
        role="doctor" if moderator else "patient",
    )
