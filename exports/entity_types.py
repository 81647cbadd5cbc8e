"""The reconciliation's three kinds of row, and the sign their money takes where totals are shown.

The mart states amounts as the booking system and Razorpay do, a refund as a positive amount. Where
amounts are added up for people (the workbook's Summary, `mymedic run`), money coming in is positive and
money going out negative: payments +, refunds −, gateway fees −, so that payments and refunds add up to
the net, and a row's gateway amount plus its fees is what it added to the payout (net settled).
"""

from __future__ import annotations

PAYMENT = "payment"
REFUND = "refund"
GATEWAY_LINE = "gateway_line"
ENTITY_TYPES: tuple[str, ...] = (PAYMENT, REFUND, GATEWAY_LINE)
PLURAL_LABELS = {PAYMENT: "Payments", REFUND: "Refunds", GATEWAY_LINE: "Unmatched gateway lines"}


def money_sign(entity_type: str) -> int:
    """-1 for a refund (money going back to the patient), else 1."""
    return -1 if entity_type == REFUND else 1


def entity_label(entity_type: str) -> str:
    return PLURAL_LABELS.get(entity_type, entity_type or "(no type)")


def entity_order(entity_type: str) -> tuple[int, str]:
    order = {t: i for i, t in enumerate(ENTITY_TYPES)}
    return (order.get(entity_type, len(order)), entity_type)
