"""The shapes of the Razorpay API answers the platform reads (pydantic), as documented by Razorpay.

- `GET /v1/settlements/recon/combined?year=&month=&day=&count=&skip=`: a `collection` of recon items,
  each with the fields of the settlement recon report (entity_id, type, debit, credit, amount, ...);
- `GET /v1/refunds/{id}`: a `refund` entity (status pending | processed | failed, `acquirer_data` with the
  bank's ARN / RRN / UTR once there is one);
- `POST /v1/orders` (amount, currency, receipt, notes, unique_receipt): an `order` entity;
- `POST /v1/payments/{id}/refund` (amount, speed, notes, receipt; header `X-Refund-Idempotency`): a `refund`;
- any failure: `{"error": {"code": "BAD_REQUEST_ERROR", "description": "...", "field": ..., ...}}`.

Only the collection's envelope is checked at pull time: its items are validated field by field by the
settlements feed when the stored page is loaded, where a bad item is quarantined with its reason instead of
failing the whole pull.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

RECON_PATH = "/v1/settlements/recon/combined"
MAX_PAGE_SIZE = 1000  # the recon endpoint's largest `count`
ORDERS_PATH = "/v1/orders"
REFUND_IDEMPOTENCY_HEADER = "X-Refund-Idempotency"  # Razorpay: same key, same refund (10+ characters)
REFUND_STATUSES = ("pending", "processed", "failed")
NO_SUCH_ID = "The id provided does not exist"


class ReconCollection(BaseModel):
    """One page of the settlement recon: `{"entity": "collection", "count": N, "items": [...]}`."""

    model_config = ConfigDict(extra="allow")

    entity: Literal["collection"]
    count: int
    items: list[dict[str, Any]]


def refund_path(payment_id: str) -> str:
    return f"/v1/payments/{payment_id}/refund"


class Order(BaseModel):
    """The order entity `POST /v1/orders` answers with (unknown fields are kept, not refused)."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(pattern=r"^order_\w{1,40}$")
    entity: Literal["order"]
    amount: int = Field(ge=0)
    amount_paid: int = Field(default=0, ge=0)
    amount_due: int = Field(default=0, ge=0)
    currency: str
    receipt: str | None = None
    status: str  # created | attempted | paid
    attempts: int = 0
    created_at: int


class Refund(BaseModel):
    """The refund entity `GET /v1/refunds/{id}` answers with (unknown fields are kept, not refused)."""

    model_config = ConfigDict(extra="allow")

    id: str
    entity: Literal["refund"]
    amount: int = Field(ge=0)
    currency: str
    payment_id: str
    status: str  # pending | processed | failed (documented); anything else is kept as said
    acquirer_data: dict[str, Any] = Field(default_factory=dict)
    created_at: int
    processed_at: int | None = None  # not in every API version's answer
    speed_processed: str | None = None

    @field_validator("acquirer_data", mode="before")
    @classmethod
    def _empty_list_is_empty(cls, value: Any) -> Any:
        # PHP-style JSON: an empty object may arrive as [].
        return {} if value in (None, []) else value

    def acquirer_ref(self, name: str) -> str:
        value = self.acquirer_data.get(name)
        return "" if value is None else str(value)

    @property
    def processed_time(self) -> datetime | None:
        return None if self.processed_at is None else datetime.fromtimestamp(self.processed_at, UTC)


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str = ""
    description: str = ""
    field: str | None = None
    source: str | None = None
    step: str | None = None
    reason: str | None = None


class ErrorBody(BaseModel):
    """`{"error": {"code": ..., "description": ...}}`, what every failing Razorpay call answers."""

    error: ErrorDetail
