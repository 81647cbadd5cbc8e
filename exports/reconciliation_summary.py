"""Counts and amounts of the reconciliation by branch, status and entity type, added up row by row (exact
paise), and shown signed: payments +, refunds −, fees − (`exports.entity_types`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from exports.entity_types import GATEWAY_LINE, PAYMENT, REFUND, entity_order, money_sign
from exports.mart_columns import MartColumn
from exports.status_legend import status_order

# The mart's amount columns the summary adds up, in Totals.amounts order.
BOOKED, GATEWAY, FEE, TAX, NET = range(5)
SUMMED_COLUMNS = (
    "booked_amount_paise",
    "gateway_amount_paise",
    "fee_paise",
    "tax_paise",
    "net_settled_paise",
)
REQUIRED_COLUMNS = ("tenant_id", "branch_id", "status", "entity_type", *SUMMED_COLUMNS)
# The header of each signed amount shown, in SignedAmounts order
SIGNED_LABELS: tuple[str, ...] = (
    "Booked (₹)",
    "Gateway amount (₹)",
    "Fee incl. GST (₹)",
    "MDR fee (₹)",
    "GST on fee (₹)",
    "Net settled (₹)",
)


@dataclass
class Totals:
    """Rows, rows a settlement line carries, and the sum of each summed column in paise (NULL adds nothing)."""

    count: int = 0
    settled: int = 0
    amounts: list[int] = field(default_factory=lambda: [0] * len(SUMMED_COLUMNS))

    def add(self, amounts: Sequence[int | None]) -> None:
        self.count += 1
        if amounts[GATEWAY] is not None:
            self.settled += 1
        for i, amount in enumerate(amounts):
            if amount is not None:
                self.amounts[i] += amount

    def merge(self, other: Totals) -> None:
        self.count += other.count
        self.settled += other.settled
        for i, amount in enumerate(other.amounts):
            self.amounts[i] += amount


@dataclass(frozen=True)
class SignedAmounts:
    """Totals of one entity type as people read them, paise: money in +, money out −."""

    booked: int
    gateway: int  # what the rows moved before fees; for unmatched gateway lines, their net + fees
    fee_incl_tax: int  # fees are deducted: ≤ 0 when Razorpay charged fees
    fee: int
    tax: int
    net: int

    def values(self) -> tuple[int, ...]:
        return (self.booked, self.gateway, self.fee_incl_tax, self.fee, self.tax, self.net)

    def plus(self, other: SignedAmounts) -> SignedAmounts:
        return SignedAmounts(*(a + b for a, b in zip(self.values(), other.values(), strict=True)))


ZERO = SignedAmounts(0, 0, 0, 0, 0, 0)


def signed(entity_type: str, totals: Totals) -> SignedAmounts:
    booked, gateway, fee, tax, net = totals.amounts
    sign = money_sign(entity_type)
    # the mart's gateway amount of an unmatched line is Razorpay's unsigned `amount`; net + fees is signed
    gateway = net + fee + tax if entity_type == GATEWAY_LINE else sign * gateway
    return SignedAmounts(sign * booked, gateway, -(fee + tax), -fee, -tax, net)


@dataclass(frozen=True)
class Branch:
    branch_id: str
    name: str

    @property
    def label(self) -> str:
        if not self.branch_id:
            return "(branch not known)"
        return f"{self.name} ({self.branch_id})" if self.name else self.branch_id


Key = tuple[Branch, str, str]  # (branch, status, entity type)


class ReconciliationSummary:
    def __init__(self, columns: Sequence[MartColumn | str]) -> None:
        names = [c if isinstance(c, str) else c.name for c in columns]
        index = {name: i for i, name in enumerate(names)}
        missing = [name for name in REQUIRED_COLUMNS if name not in index]
        if missing:
            raise LookupError(f"the reconciliation mart has no column(s) {', '.join(missing)}")
        self._tenant = index["tenant_id"]
        self._branch = index["branch_id"]
        self._branch_name = index.get("branch_name")
        self._status = index["status"]
        self._entity = index["entity_type"]
        self._amounts = [index[name] for name in SUMMED_COLUMNS]
        self.tenants: set[str] = set()
        self.totals: dict[Key, Totals] = {}
        self._branches: dict[tuple[str, str], Branch] = {}

    def add(self, row: Sequence[object]) -> str:
        """Count `row` in; returns its status (called for every row, so kept lean)."""
        self.tenants.add(str(row[self._tenant] or ""))
        status = str(row[self._status] or "")
        name = "" if self._branch_name is None else str(row[self._branch_name] or "")
        branch_key = (str(row[self._branch] or ""), name)
        branch = self._branches.get(branch_key)
        if branch is None:
            branch = self._branches[branch_key] = Branch(*branch_key)
        key = (branch, status, str(row[self._entity] or ""))
        totals = self.totals.get(key)
        if totals is None:
            totals = self.totals[key] = Totals()
        totals.add([row[i] for i in self._amounts])  # type: ignore[misc]
        return status

    # --- views ------------------------------------------------------------------------------------------

    def by_type(self) -> dict[str, Totals]:
        out: dict[str, Totals] = {}
        for (_, _, entity), totals in self.totals.items():
            out.setdefault(entity, Totals()).merge(totals)
        return out

    def by_status_type(self) -> list[tuple[str, str, Totals]]:
        merged: dict[tuple[str, str], Totals] = {}
        for (_, status, entity), totals in self.totals.items():
            merged.setdefault((status, entity), Totals()).merge(totals)
        keys = sorted(merged, key=lambda k: (status_order(k[0]), entity_order(k[1])))
        return [(status, entity, merged[(status, entity)]) for status, entity in keys]

    def by_branch_status_type(self) -> list[tuple[Branch, str, str, Totals]]:
        keys = sorted(
            self.totals,
            key=lambda k: (k[0].branch_id, k[0].name, status_order(k[1]), entity_order(k[2])),
        )
        return [
            (branch, status, entity, self.totals[(branch, status, entity)]) for branch, status, entity in keys
        ]

    def count(self) -> int:
        return sum(t.count for t in self.totals.values())

    def count_where(self, statuses: set[str] | frozenset[str], *, inside: bool) -> int:
        return sum(t.count for (_, status, _), t in self.totals.items() if (status in statuses) == inside)


@dataclass(frozen=True)
class MoneyFlow:
    """The headline totals: what was booked, what Razorpay did with it, what it paid out (paise, signed)."""

    payments_booked: tuple[int, int]  # (count, paise)
    refunds_booked: tuple[int, int]
    payments_settled: tuple[int, int]  # gross of payments a settlement line carries
    refunds_deducted: tuple[int, int]
    fees_incl_tax: int  # on those payments and refunds, ≤ 0
    fees: int
    taxes: int
    unmatched_lines: tuple[int, int]  # their net
    net_settled: int

    @property
    def net_booked(self) -> int:
        return self.payments_booked[1] + self.refunds_booked[1]


def money_flow(summary: ReconciliationSummary) -> MoneyFlow:
    types = summary.by_type()
    empty = Totals()
    payments, refunds, lines = (types.get(t, empty) for t in (PAYMENT, REFUND, GATEWAY_LINE))
    p, r, g = signed(PAYMENT, payments), signed(REFUND, refunds), signed(GATEWAY_LINE, lines)
    return MoneyFlow(
        payments_booked=(payments.count, p.booked),
        refunds_booked=(refunds.count, r.booked),
        payments_settled=(payments.settled, p.gateway),
        refunds_deducted=(refunds.settled, r.gateway),
        fees_incl_tax=p.fee_incl_tax + r.fee_incl_tax,
        fees=p.fee + r.fee,
        taxes=p.tax + r.tax,
        unmatched_lines=(lines.count, g.net),
        net_settled=sum(t.amounts[NET] for t in types.values()),
    )
