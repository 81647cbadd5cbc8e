"""Which anomalies to inject where, and how they are reported in the ground truth.

Every anomaly is planned as a target `(settlement day, branch)`. When the target's settlement has no
eligible entity, the target carries over to the branch's next settlement that still allows that kind.
`bank_unmatched` settlements are reserved: no other kind is ever injected into them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .model import REFUND_SLA_DAYS, SETTLEMENT_DAYS

SETTLEMENT_OVERDUE = "settlement_overdue"
AMOUNT_MISMATCH = "amount_mismatch"
FEE_MISMATCH = "fee_mismatch"
DUPLICATE_PAYMENT = "duplicate_payment"
ORPHAN_GATEWAY_LINE = "orphan_gateway_line"
BANK_UNMATCHED = "bank_unmatched"
KINDS = (
    SETTLEMENT_OVERDUE,
    AMOUNT_MISMATCH,
    FEE_MISMATCH,
    DUPLICATE_PAYMENT,
    ORPHAN_GATEWAY_LINE,
    BANK_UNMATCHED,
)

# injection targets (internal): kind -> how many days before the last day its settlement must be at the latest
OVERDUE_PAYMENT = "overdue_payment"
OVERDUE_REFUND = "overdue_refund"
TARGET_SLACK_DAYS: dict[str, int] = {
    DUPLICATE_PAYMENT: 0,
    # captured on D <= last - settlement_days - 1, so the age is past the settlement window
    OVERDUE_PAYMENT: 1,
    # initiated on D <= last - refund_sla_days - 1; it would have been deducted on D + settlement_days
    OVERDUE_REFUND: REFUND_SLA_DAYS + 1 - SETTLEMENT_DAYS,
    AMOUNT_MISMATCH: 0,
    FEE_MISMATCH: 0,
    ORPHAN_GATEWAY_LINE: 0,
}

BANK_MISSING = "missing"
BANK_DIFFERS = "differs"


@dataclass(slots=True)
class Anomaly:
    kind: str
    entity_type: str
    entity_ids: list[str]
    detail: str
    expected_status: str = ""

    def __post_init__(self) -> None:
        self.expected_status = self.expected_status or self.kind

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "entity_type": self.entity_type,
            "entity_ids": self.entity_ids,
            "expected_status": self.expected_status,
            "detail": self.detail,
        }


def anomaly_count(total_bookings: int) -> int:
    """At least 3 of each kind; one more for every doubling of volume beyond 2,000 bookings."""
    return 3 + max(0, (total_bookings // 1000).bit_length() - 1)


@dataclass(slots=True)
class AnomalyPlan:
    first_day: int
    last_day: int
    bank: dict[tuple[int, int], str] = field(default_factory=dict)
    targets: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    @classmethod
    def draw(
        cls, rng: random.Random, n_branches: int, first_day: int, last_day: int, count: int
    ) -> AnomalyPlan:
        plan = cls(first_day, last_day)
        first_settlement = first_day + SETTLEMENT_DAYS
        pairs = [(s, b) for s in range(first_settlement, last_day + 1) for b in range(n_branches)]
        if not pairs:
            return plan
        n_bank = min(count, len(pairs) // 4)
        for i, pair in enumerate(sorted(rng.sample(pairs, n_bank))):
            plan.bank[pair] = BANK_DIFFERS if i % 2 else BANK_MISSING
        used: set[tuple[int, int]] = set(plan.bank)
        for kind, slack in TARGET_SLACK_DAYS.items():
            allowed = [p for p in pairs if p[0] <= last_day - slack and p not in plan.bank]
            fresh = [p for p in allowed if p not in used]
            stale = [p for p in allowed if p in used]
            rng.shuffle(fresh)
            rng.shuffle(stale)
            chosen = sorted((fresh + stale)[:count])
            used.update(chosen)
            plan.targets[kind] = chosen
        return plan

    def bank_mode(self, settlement_day: int, branch: int) -> str | None:
        return self.bank.get((settlement_day, branch))

    def due(self, kind: str, settlement_day: int, branch: int) -> int:
        """How many `kind` targets of `branch` are waiting for the settlement of `settlement_day`."""
        if (settlement_day, branch) in self.bank or settlement_day > self.last_day - TARGET_SLACK_DAYS[kind]:
            return 0
        return sum(1 for s, b in self.targets.get(kind, ()) if b == branch and s <= settlement_day)

    def consume(self, kind: str, settlement_day: int, branch: int) -> None:
        targets = self.targets[kind]
        for i, (s, b) in enumerate(targets):
            if b == branch and s <= settlement_day:
                del targets[i]
                return
