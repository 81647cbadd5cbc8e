"""What `mymedic run` prints about the reconciliation: payments and refunds apart, signed, Indian grouping."""

from __future__ import annotations

from mymedic.run_summary import status_rows, total_lines

STATUSES = [  # as mymedic.pipeline.reconciliation_summary returns them: the mart's unsigned sums
    {"status": "matched", "entity_type": "payment", "rows": 3, "booked": 100051900, "gateway": 100051900,
     "fees": 2361225, "net": 97690675},
    {"status": "matched", "entity_type": "refund", "rows": 1, "booked": 12345, "gateway": 12345, "fees": 0,
     "net": -12345},
    {"status": "in_transit", "entity_type": "refund", "rows": 2, "booked": 15000, "gateway": 0, "fees": 0,
     "net": 0},
    {"status": "orphan_gateway_line", "entity_type": "gateway_line", "rows": 1, "booked": 0, "gateway": 2500,
     "fees": 0, "net": -2500},
]  # fmt: skip


def test_status_lines_split_payments_and_refunds_and_sign_them() -> None:
    assert status_rows(STATUSES) == [
        ["matched", "Payments", "3", "₹10,00,519.00", "₹10,00,519.00", "-₹23,612.25", "₹9,76,906.75"],
        ["matched", "Refunds", "1", "-₹123.45", "-₹123.45", "₹0.00", "-₹123.45"],
        ["in_transit", "Refunds", "2", "-₹150.00", "₹0.00", "₹0.00", "₹0.00"],
        ["orphan_gateway_line", "Unmatched gateway lines", "1", "₹0.00", "-₹25.00", "₹0.00", "-₹25.00"],
    ]


def test_totals_keep_refunds_out_of_what_matched() -> None:
    assert total_lines(STATUSES) == [
        "payments booked ₹10,00,519.00 (3), refunds booked -₹273.45 (3), net booked ₹10,00,245.55",
        "matched: payments ₹10,00,519.00 (3), refunds -₹123.45 (1)",
        "net settled by Razorpay ₹9,76,758.30",
        "1 exceptions to act on, 2 open items not yet due",
    ]
