"""What the metrics API answers (pydantic at the boundary). Money is integer paise as the marts store it,
with `<x>_inr` beside each `<x>_paise`: the exact rupees as text (`1234.50`). Instants are UTC (RFC 3339),
dates are IST calendar dates (`YYYY-MM-DD`), as in the marts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from core.money import rupees_text
from core.time import as_utc
from exports.status_legend import LEGEND, StatusGroup

# What a caller may ask for (query parameters); answers carry the mart's text as it is.
Status = Literal[tuple(m.status for m in LEGEND)]  # type: ignore[valid-type]
ExceptionStatus = Literal[tuple(m.status for m in LEGEND if m.group is StatusGroup.EXCEPTION)]  # type: ignore[valid-type]
Utc = Annotated[AwareDatetime, AfterValidator(as_utc)]
PAISE = "_paise"
INR = "_inr"


class _Row(BaseModel):
    """A row of the API: each `<x>_inr` is filled in from its `<x>_paise`; columns a mart gains later are
    left out until a field names them."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _rupees(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        filled = dict(values)
        for name in cls.model_fields:
            if name.endswith(INR) and name not in filled:
                paise = values.get(name.removesuffix(INR) + PAISE)
                filled[name] = None if paise is None else rupees_text(int(paise))
        return filled


class BranchDaily(_Row):
    """One branch's settlement day (from `marts.fct_branch_daily_settlements`)."""

    tenant_id: str
    branch_id: str
    branch_name: str | None = Field(description="From marts.dim_branches; null when the branch is not there")
    settlement_date: date = Field(description="IST calendar date of the payout")
    settlement_count: int
    settlement_id: str
    settlement_utr: str
    payment_line_count: int
    refund_line_count: int
    other_line_count: int
    gross_paise: int
    gross_inr: str
    fee_paise: int
    fee_inr: str
    tax_paise: int
    tax_inr: str
    refund_paise: int
    refund_inr: str
    adjustment_paise: int
    adjustment_inr: str
    net_paise: int
    net_inr: str
    bank_credited_paise: int
    bank_credited_inr: str
    difference_paise: int
    difference_inr: str
    bank_credit_date: date | None
    is_bank_matched: bool


class SummaryRow(_Row):
    """Count and amounts of one (branch, status, entity type): sums of the mart's columns as stored (a
    refund's amounts are positive; NULL adds nothing)."""

    tenant_id: str
    branch_id: str
    status: str
    status_group: Literal["reconciled", "open", "exception"]
    entity_type: str = Field(description="payment | refund | gateway_line")
    count: int
    booked_amount_paise: int
    booked_amount_inr: str
    gateway_amount_paise: int
    gateway_amount_inr: str
    fee_paise: int
    fee_inr: str
    tax_paise: int
    tax_inr: str
    net_settled_paise: int
    net_settled_inr: str


class ExceptionRow(_Row):
    """A row of `marts.fct_payment_reconciliation` someone must act on (the legend's exception group),
    without its patient-linked columns (booking_id): the `bi` schema's rule (serving.bi_views.is_phi)."""

    tenant_id: str
    branch_id: str
    branch_name: str | None
    entity_type: str = Field(description="payment | refund | gateway_line")
    entity_id: str
    payment_id: str
    order_id: str
    method: str
    status: str
    exception_reason: str
    age_days: int
    aging_bucket: str
    booked_amount_paise: int
    booked_amount_inr: str
    gateway_amount_paise: int | None
    gateway_amount_inr: str | None
    gateway_fee_incl_tax_paise: int | None
    gateway_fee_incl_tax_inr: str | None
    fee_paise: int | None
    fee_inr: str | None
    tax_paise: int | None
    tax_inr: str | None
    expected_fee_paise: int | None
    expected_fee_inr: str | None
    expected_tax_paise: int | None
    expected_tax_inr: str | None
    net_settled_paise: int | None
    net_settled_inr: str | None
    settlement_id: str
    settlement_utr: str
    settled_at: Utc | None
    bank_credit_date: date | None
    event_at: Utc
    event_date: date = Field(description="IST date of event_at: what the date range filters")
    settlement_due_date: date | None
    refund_deadline_date: date | None
    as_of_date: date


class _Answer(BaseModel):
    published_at: datetime = Field(description="When the serving copy answering was published (UTC)")


class BranchDailyPage(_Answer):
    data: list[BranchDaily]
    next: str | None = Field(description="The next page's URL (path and query); null on the last page")


class ExceptionPage(_Answer):
    data: list[ExceptionRow]
    next: str | None = Field(description="The next page's URL (path and query); null on the last page")


class Summary(_Answer):
    data: list[SummaryRow]


class Health(BaseModel):
    status: Literal["ok"] = "ok"
