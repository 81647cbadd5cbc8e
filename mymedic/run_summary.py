"""What `mymedic run` prints about the reconciliation: per status and entity type, and the totals, signed
the way the workbook's Summary is (payments +, refunds −, fees −; `exports.entity_types`), every amount in
Indian grouping (`core.money.format_rupees`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core.money import format_count, format_rupees
from exports.entity_types import GATEWAY_LINE, PAYMENT, REFUND, entity_label, entity_order, money_sign
from exports.status_legend import StatusGroup, status_group, status_order

STATUS_COLUMNS = ("status", "type", "rows", "booked", "at gateway", "fees incl. GST", "net settled")


def signed_row(row: Mapping[str, Any]) -> list[str]:
    """One (status, entity type) line of the run's summary, as text."""
    entity = row["entity_type"]
    sign = money_sign(entity)
    gateway = row["net"] + row["fees"] if entity == GATEWAY_LINE else sign * row["gateway"]
    return [
        row["status"],
        entity_label(entity),
        format_count(row["rows"]),
        format_rupees(sign * row["booked"]),
        format_rupees(gateway),
        format_rupees(-row["fees"]),
        format_rupees(row["net"]),
    ]


def status_rows(statuses: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    ordered = sorted(statuses, key=lambda r: (status_order(r["status"]), entity_order(r["entity_type"])))
    return [signed_row(row) for row in ordered]


def total_lines(statuses: Sequence[Mapping[str, Any]]) -> list[str]:
    """The headline totals: payments and refunds booked and their net, what matched, what is open."""

    def total(key: str, entity: str, *, matched_only: bool = False) -> tuple[int, int]:
        rows = [
            r
            for r in statuses
            if r["entity_type"] == entity
            and (not matched_only or status_group(r["status"]) is StatusGroup.RECONCILED)
        ]
        return sum(r["rows"] for r in rows), money_sign(entity) * sum(r[key] for r in rows)

    payments, refunds = total("booked", PAYMENT), total("booked", REFUND)
    matched_payments = total("booked", PAYMENT, matched_only=True)
    matched_refunds = total("booked", REFUND, matched_only=True)
    groups = {group: 0 for group in StatusGroup}
    for r in statuses:
        groups[status_group(r["status"])] += r["rows"]
    net = sum(r["net"] for r in statuses)
    return [
        f"payments booked {format_rupees(payments[1])} ({format_count(payments[0])}), "
        f"refunds booked {format_rupees(refunds[1])} ({format_count(refunds[0])}), "
        f"net booked {format_rupees(payments[1] + refunds[1])}",
        f"matched: payments {format_rupees(matched_payments[1])} ({format_count(matched_payments[0])}), "
        f"refunds {format_rupees(matched_refunds[1])} ({format_count(matched_refunds[0])})",
        f"net settled by Razorpay {format_rupees(net)}",
        f"{format_count(groups[StatusGroup.EXCEPTION])} exceptions to act on, "
        f"{format_count(groups[StatusGroup.OPEN])} open items not yet due",
    ]
