"""Counts and amounts of the reconciliation by branch and status, added up row by row (exact paise)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from exports.mart_columns import MartColumn

MATCHED = "matched"
# (mart column, label on the Summary sheet), in the order the Summary shows them
SUMMED_AMOUNTS: tuple[tuple[str, str], ...] = (
    ("booked_amount_paise", "Booked amount"),
    ("gateway_amount_paise", "Gateway amount"),
    ("fee_paise", "Fees"),
    ("tax_paise", "Tax"),
    ("net_settled_paise", "Net settled"),
)
REQUIRED_COLUMNS = ("tenant_id", "branch_id", "status", *(name for name, _ in SUMMED_AMOUNTS))


@dataclass
class Totals:
    """A row count and the sum of each summed amount column in paise (NULL adds nothing)."""

    count: int = 0
    amounts_paise: list[int] = field(default_factory=lambda: [0] * len(SUMMED_AMOUNTS))

    def add(self, amounts: Sequence[int | None]) -> None:
        self.count += 1
        for i, amount in enumerate(amounts):
            if amount is not None:
                self.amounts_paise[i] += amount

    def merge(self, other: Totals) -> None:
        self.count += other.count
        for i, amount in enumerate(other.amounts_paise):
            self.amounts_paise[i] += amount


def status_order(status: str) -> tuple[int, str]:
    """`matched` first, then the exception statuses alphabetically."""
    return (0 if status == MATCHED else 1, status)


class ReconciliationSummary:
    def __init__(self, columns: Sequence[MartColumn]) -> None:
        index = {c.name: i for i, c in enumerate(columns)}
        missing = [name for name in REQUIRED_COLUMNS if name not in index]
        if missing:
            raise LookupError(f"the reconciliation mart has no column(s) {', '.join(missing)}")
        self._tenant = index["tenant_id"]
        self._branch = index["branch_id"]
        self._status = index["status"]
        self._amounts = [index[name] for name, _ in SUMMED_AMOUNTS]
        self.tenants: set[str] = set()
        self.by_branch_status: dict[tuple[str, str], Totals] = {}

    def add(self, row: Sequence[object]) -> str:
        """Count `row` in; returns its status (called for every row, so kept lean)."""
        self.tenants.add(str(row[self._tenant] or ""))
        status = str(row[self._status] or "")
        key = (str(row[self._branch] or ""), status)
        totals = self.by_branch_status.get(key)
        if totals is None:
            totals = self.by_branch_status[key] = Totals()
        totals.add(cast(list[int | None], [row[i] for i in self._amounts]))
        return status

    def branch_status_rows(self) -> list[tuple[str, str, Totals]]:
        keys = sorted(self.by_branch_status, key=lambda k: (k[0], status_order(k[1])))
        return [(branch, status, self.by_branch_status[(branch, status)]) for branch, status in keys]

    def by_status(self) -> list[tuple[str, Totals]]:
        totals: dict[str, Totals] = {}
        for (_, status), branch_totals in self.by_branch_status.items():
            totals.setdefault(status, Totals()).merge(branch_totals)
        return [(status, totals[status]) for status in sorted(totals, key=status_order)]

    def grand_total(self) -> Totals:
        total = Totals()
        for branch_totals in self.by_branch_status.values():
            total.merge(branch_totals)
        return total
