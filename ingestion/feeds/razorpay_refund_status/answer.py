"""One line of a refund status file: a refund asked about, when, and Razorpay's answer as it came."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class RefundAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refund_id: str = Field(pattern=r"^rfnd_[A-Za-z0-9]+$")
    checked_at: AwareDatetime  # when Razorpay answered (UTC, RFC 3339)
    request: str  # e.g. "GET /v1/refunds/rfnd_…"
    http_status: int = Field(ge=100, le=599)
    body: dict[str, Any]  # the gateway's JSON answer, as received

    def line(self) -> str:
        return self.model_dump_json() + "\n"


def utc_text(when: datetime) -> str:
    """RFC 3339 UTC with milliseconds and `Z`."""
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
