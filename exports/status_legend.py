"""What each reconciliation status means and what to do about it: the one text the workbook's Legend sheet
and docs/reconciliation.md both show (`python -m exports.status_legend write|check` keeps the docs' table
between `<!-- legend:statuses -->` and `<!-- /legend -->` equal to it; a test runs `check`).

Every status is in one of three groups: `reconciled` (nothing to do), `open` (not yet due: it is still
within its settlement cycle or refund SLA, so it is no exception yet) and `exception` (someone acts).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from enum import Enum

from core.settings import PROJECT_ROOT


class StatusGroup(Enum):
    RECONCILED = "reconciled"
    OPEN = "open"
    EXCEPTION = "exception"


@dataclass(frozen=True)
class StatusMeaning:
    status: str
    group: StatusGroup
    meaning: str
    action: str

    @property
    def label(self) -> str:
        """What people read for the status: `settlement_overdue` -> "Settlement overdue"."""
        return status_label(self.status)


LEGEND: tuple[StatusMeaning, ...] = (
    StatusMeaning(
        "matched",
        StatusGroup.RECONCILED,
        "Booked, settled by Razorpay for the booked amount with the contract's fee and GST, and the "
        "settlement's payout reached the bank in full.",
        "Nothing.",
    ),
    StatusMeaning(
        "in_transit",
        StatusGroup.OPEN,
        "Not in any settlement yet, but still within the contract's settlement cycle (payments: captured "
        "date + settlement_days) or refund SLA (refunds: initiated date + refund_sla_days).",
        "Nothing yet: it is not due. It becomes settlement_overdue if no settlement carries it by its "
        "settlement due date or refund deadline.",
    ),
    StatusMeaning(
        "settlement_overdue",
        StatusGroup.EXCEPTION,
        "Not in any settlement after its settlement due date (payments) or refund deadline (refunds).",
        "Raise it with Razorpay, quoting the payment or refund id; for a refund, make sure the patient is "
        "paid back.",
    ),
    StatusMeaning(
        "amount_mismatch",
        StatusGroup.EXCEPTION,
        "Razorpay captured or settled a different amount (or currency) than the booking system recorded.",
        "Compare the booking with the Razorpay dashboard; correct the booking, or dispute the settlement "
        "with Razorpay.",
    ),
    StatusMeaning(
        "fee_mismatch",
        StatusGroup.EXCEPTION,
        "The fee (MDR) or its GST differs by more than 1 paisa from the contract (a refund carries no fee), "
        "or no contract covers the payment method.",
        "Check the fee incl. GST against Razorpay's report and the contract rate; claim the difference "
        "from Razorpay, or update the gateway contract reference data.",
    ),
    StatusMeaning(
        "duplicate_payment",
        StatusGroup.EXCEPTION,
        "A second captured payment for an order that an earlier payment already paid.",
        "Refund the second payment to the patient.",
    ),
    StatusMeaning(
        "bank_unmatched",
        StatusGroup.EXCEPTION,
        "Settled by Razorpay, but no bank credit carries the settlement's UTR, or the credit differs from "
        "the settlement's net payout.",
        "Look for the UTR on the bank statement; if the credit is missing or short, raise it with the "
        "bank and Razorpay.",
    ),
    StatusMeaning(
        "orphan_gateway_line",
        StatusGroup.EXCEPTION,
        "A gateway settlement line no payment or refund row carries: it matches nothing the booking "
        "system knows (or is an adjustment, transfer or chargeback), settles a payment a second time, or "
        "is a refund the booking system never issued. It is in the settlement's net.",
        "Find the booking it belongs to, recover a second payout, or ask the gateway what the line is "
        "(the reason says which).",
    ),
)
BY_STATUS: dict[str, StatusMeaning] = {m.status: m for m in LEGEND}
OPEN_STATUSES = frozenset(m.status for m in LEGEND if m.group is StatusGroup.OPEN)
RECONCILED_STATUSES = frozenset(m.status for m in LEGEND if m.group is StatusGroup.RECONCILED)


def status_label(status: str) -> str:
    words = status.replace("_", " ")
    return words[:1].upper() + words[1:]


def status_group(status: str) -> StatusGroup:
    """The group of a status; one the legend does not know is an exception (someone should look)."""
    meaning = BY_STATUS.get(status)
    return meaning.group if meaning else StatusGroup.EXCEPTION


def status_order(status: str) -> tuple[int, str]:
    """The legend's order (matched, in_transit, then the exceptions); unknown statuses last by name."""
    order = {m.status: i for i, m in enumerate(LEGEND)}
    return (order.get(status, len(order)), status)


# --- docs/reconciliation.md -----------------------------------------------------------------------------

DOC = PROJECT_ROOT / "docs" / "reconciliation.md"
BLOCK = re.compile(r"(<!-- legend:statuses -->\n)(.*?)(<!-- /legend -->)", re.S)


def legend_markdown() -> str:
    lines = ["| status | group | what it means | what to do |", "| --- | --- | --- | --- |"]
    lines += [f"| `{m.status}` | {m.group.value} | {m.meaning} | {m.action} |" for m in LEGEND]
    return "\n".join(lines) + "\n"


def docs_text(text: str) -> str:
    if not BLOCK.search(text):
        raise LookupError(f"{DOC.name} has no <!-- legend:statuses --> block")
    return BLOCK.sub(lambda m: m.group(1) + legend_markdown() + m.group(3), text)


def main(argv: list[str]) -> int:
    text = DOC.read_text(encoding="utf-8")
    expected = docs_text(text)
    if argv[:1] == ["write"]:
        DOC.write_text(expected, encoding="utf-8")
        return 0
    if text != expected:
        print(f"docs/{DOC.name}: the status legend differs from exports/status_legend.py: run "
              "python -m exports.status_legend write")  # fmt: skip
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
