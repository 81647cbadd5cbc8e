"""Shared words of the payment contract: defined once, imported by the booking service, the feeds and the
sample-data generator."""

from __future__ import annotations

from typing import Literal, get_args

PaymentMethod = Literal["upi", "card", "wallet", "netbanking"]
PAYMENT_METHODS: tuple[str, ...] = get_args(PaymentMethod)
GATEWAYS: tuple[str, ...] = ("razorpay",)
CURRENCY = "INR"
