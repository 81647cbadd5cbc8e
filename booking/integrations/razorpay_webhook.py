"""The parts of Razorpay's webhook payloads this service reads, and how Razorpay's vocabulary maps to ours.

Signatures are checked in `booking.integrations.signatures`; what an event does is `booking.services.payments`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# Razorpay payment methods folded into the contract's four
METHODS = {
    "upi": "upi",
    "card": "card",
    "emi": "card",
    "wallet": "wallet",
    "paylater": "wallet",
    "cardless_emi": "wallet",
    "netbanking": "netbanking",
    "bank_transfer": "netbanking",
    "nach": "netbanking",
}
PAYMENT_EVENTS = {
    "payment.authorized": "authorized",
    "payment.captured": "captured",
    "payment.failed": "failed",
    "order.paid": "captured",
}
REFUND_EVENTS = {"refund.created": "initiated", "refund.processed": "processed", "refund.failed": "failed"}


class RazorpayPayment(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str = Field(pattern=r"^pay_\w{1,40}$")
    amount: int = Field(gt=0, lt=10**12)
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    status: str = Field(max_length=32)
    order_id: str | None = Field(default=None, pattern=r"^order_\w{1,40}$")
    method: str = Field(max_length=32)


class RazorpayRefund(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str = Field(pattern=r"^rfnd_\w{1,40}$")
    payment_id: str = Field(pattern=r"^pay_\w{1,40}$")
    amount: int = Field(gt=0, lt=10**12)
    status: str = Field(default="", max_length=32)


class _PaymentWrapper(BaseModel):
    entity: RazorpayPayment


class _RefundWrapper(BaseModel):
    entity: RazorpayRefund


class RazorpayPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")
    payment: _PaymentWrapper | None = None
    refund: _RefundWrapper | None = None


class RazorpayWebhook(BaseModel):
    """The parts of a Razorpay webhook this service reads."""

    model_config = ConfigDict(extra="ignore")
    entity: Literal["event"] = "event"
    event: str = Field(max_length=64)
    payload: RazorpayPayload
    created_at: int = Field(ge=0, lt=10**11)
