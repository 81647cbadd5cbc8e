"""The SQL of each endpoint over a tenant's serving file (DuckDB), with its filters bound as parameters.

Every query filters on the caller's tenant_id, although the file holds only that tenant's rows: two
guards, so that a file published wrongly still answers nothing of another tenant. Pages are keyset
pages in a stable order (a unique key of the mart), fetched one row longer to know whether more follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from exports.entity_types import entity_order
from exports.status_legend import OPEN_STATUSES, RECONCILED_STATUSES, status_group, status_order
from serving.api.tenant_files import Reader

NOT_EXCEPTIONS = OPEN_STATUSES | RECONCILED_STATUSES
RECONCILIATION = "marts.fct_payment_reconciliation"
BRANCH_DAILY = "marts.fct_branch_daily_settlements"
BRANCHES = "marts.dim_branches"
SUMMED = ("booked_amount_paise", "gateway_amount_paise", "fee_paise", "tax_paise", "net_settled_paise")
# Stable orders: unique keys of the marts (within a tenant), and the types of their values in a cursor.
BRANCH_DAILY_ORDER = (("settlement_date", date), ("branch_id", str))
EXCEPTION_ORDER = (("event_date", date), ("entity_type", str), ("entity_id", str), ("settlement_id", str))


@dataclass(frozen=True)
class Filters:
    tenant_id: str
    date_from: date | None = None
    date_to: date | None = None
    branches: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()


@dataclass
class Where:
    """Conditions joined by `and`, with their parameters."""

    conditions: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)

    def add(self, condition: str, **parameters: Any) -> None:
        self.conditions.append(condition)
        self.parameters.update(parameters)

    def sql(self) -> str:
        return " and ".join(self.conditions) or "true"


def _where(filters: Filters, date_column: str) -> Where:
    where = Where()
    where.add("t.tenant_id = $tenant", tenant=filters.tenant_id)
    if filters.date_from is not None:
        where.add(f"t.{date_column} >= $date_from", date_from=filters.date_from)
    if filters.date_to is not None:
        where.add(f"t.{date_column} <= $date_to", date_to=filters.date_to)
    if filters.branches:
        where.add("list_contains($branches, t.branch_id)", branches=list(filters.branches))
    if filters.statuses:
        where.add("list_contains($statuses, t.status)", statuses=list(filters.statuses))
    return where


def _page_rows(
    reader: Reader,
    table: str,
    where: Where,
    order: tuple[tuple[str, type], ...],
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Up to `limit + 1` rows of `table` (alias t) after the cursor's key in `order`, with the branch's name."""
    if after is not None:  # a row-value comparison: the rows after the key
        columns = ", ".join(f"t.{name}" for name, _ in order)
        values = ", ".join(f"$after{i}" for i in range(len(order)))
        where.add(f"({columns}) > ({values})", **{f"after{i}": v for i, v in enumerate(after)})
    return reader.dicts(
        f"select t.*, b.branch_name from {table} t "
        f"left join {BRANCHES} b on b.tenant_id = t.tenant_id and b.branch_id = t.branch_id "
        f"where {where.sql()} order by {', '.join(f't.{name}' for name, _ in order)} limit {limit + 1}",
        where.parameters,
    )


def branch_daily(
    reader: Reader, filters: Filters, after: tuple[Any, ...] | None, limit: int
) -> list[dict[str, Any]]:
    where = _where(filters, "settlement_date")
    return _page_rows(reader, BRANCH_DAILY, where, BRANCH_DAILY_ORDER, after, limit)


def exceptions(
    reader: Reader, filters: Filters, after: tuple[Any, ...] | None, limit: int
) -> list[dict[str, Any]]:
    where = _where(filters, "event_date")
    # The legend's exception group: every status but the reconciled and open ones (an unknown one too).
    where.add("not list_contains($not_exceptions, t.status)", not_exceptions=sorted(NOT_EXCEPTIONS))
    return _page_rows(reader, RECONCILIATION, where, EXCEPTION_ORDER, after, limit)


def summary(reader: Reader, filters: Filters) -> list[dict[str, Any]]:
    where = _where(filters, "event_date")
    sums = ", ".join(f"coalesce(sum(t.{c}), 0)::bigint as {c}" for c in SUMMED)
    rows = reader.dicts(
        f"select t.tenant_id, t.branch_id, t.status, t.entity_type, count(*) as count, {sums} "
        f"from {RECONCILIATION} t where {where.sql()} group by all",
        where.parameters,
    )
    for row in rows:
        row["status_group"] = status_group(row["status"]).value
    rows.sort(key=lambda r: (r["branch_id"], status_order(r["status"]), entity_order(r["entity_type"])))
    return rows
