"""What the PDFs read from the marts: the branches, a branch's reconciliation rows of an IST month, its
settlement days, and the rows of each settlement. Only the marts are read (like every export)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from core.warehouse import Warehouse
from exports.mart_reader import BRANCHES_TABLE, MART_DATABASE, RECONCILIATION_TABLE, quote_identifier

BRANCH_DAYS_TABLE = "fct_branch_daily_settlements"
BLOCK_ROWS = 10_000
# The reconciliation columns a statement reads, in ReconciliationRow order.
ROW_COLUMNS = (
    "tenant_id",
    "branch_id",
    "status",
    "entity_type",
    "booked_amount_paise",
    "gateway_amount_paise",
    "fee_paise",
    "tax_paise",
    "net_settled_paise",
    "entity_id",
    "booking_id",
    "payment_id",
    "event_date",
    "age_days",
    "aging_bucket",
    "exception_reason",
    "settlement_id",
    "settlement_utr",
    "settled_at",
    "bank_credit_date",
)
COLUMN = {name: i for i, name in enumerate(ROW_COLUMNS)}


@dataclass(frozen=True)
class BranchInfo:
    tenant_id: str
    branch_id: str
    name: str
    city: str = ""
    state: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.branch_id})" if self.name else self.branch_id


@dataclass(frozen=True)
class BranchDay:
    settlement_date: date
    settlement_count: int
    settlement_ids: tuple[str, ...]
    settlement_utrs: tuple[str, ...]
    gross: int
    fee: int
    tax: int
    refunds: int
    adjustments: int
    net: int
    bank_credited: int
    difference: int
    bank_credit_date: date | None
    is_bank_matched: bool


def month_range(month: date) -> tuple[date, date]:
    """[first day, first day of the next month) of the IST month starting on `month`."""
    if month.day != 1:
        raise ValueError(f"month {month.isoformat()} is not the first day of a month")
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return month, following


def _table(warehouse: Warehouse, table: str) -> str:
    return f"{quote_identifier(warehouse.db(MART_DATABASE))}.{quote_identifier(table)}"


def _require_mart(warehouse: Warehouse) -> None:
    if not warehouse.table_exists(MART_DATABASE, RECONCILIATION_TABLE):
        raise LookupError(
            f"{warehouse.db(MART_DATABASE)}.{RECONCILIATION_TABLE} does not exist: build the marts (dbt) "
            "before exporting"
        )


def mart_columns(warehouse: Warehouse) -> set[str]:
    rows = warehouse.rows(
        "select name from system.columns where database = {db:String} and table = {t:String}",
        {"db": warehouse.db(MART_DATABASE), "t": RECONCILIATION_TABLE},
    )
    return {row[0] for row in rows}


def known_branches(warehouse: Warehouse) -> dict[str, BranchInfo]:
    """Every branch of dim_branches, then any other branch id the reconciliation names."""
    _require_mart(warehouse)
    found: dict[str, BranchInfo] = {}
    if warehouse.table_exists(MART_DATABASE, BRANCHES_TABLE):
        for tenant, branch, name, city, state in warehouse.rows(
            f"select tenant_id, branch_id, branch_name, city, state from {_table(warehouse, BRANCHES_TABLE)} "
            "order by branch_id, tenant_id"
        ):
            found.setdefault(branch, BranchInfo(tenant, branch, name or "", city or "", state or ""))
    for tenant, branch in warehouse.rows(
        f"select any(tenant_id), branch_id from {_table(warehouse, RECONCILIATION_TABLE)} "
        "where branch_id != '' group by branch_id order by branch_id"
    ):
        found.setdefault(branch, BranchInfo(tenant, branch, ""))
    return dict(sorted(found.items()))


def chosen_branches(warehouse: Warehouse, branches: Sequence[str] | None) -> list[BranchInfo]:
    known = known_branches(warehouse)
    if branches is None:
        return list(known.values())
    unknown = [b for b in branches if b not in known]
    if unknown:
        raise LookupError(
            f"branch {', '.join(unknown)} is not in the marts (known: {', '.join(known) or 'none'})"
        )
    return [known[b] for b in dict.fromkeys(branches)]


def latest_month(warehouse: Warehouse) -> date:
    """The first day of the IST month of the mart's latest event date."""
    _require_mart(warehouse)
    latest = warehouse.scalar(f"select maxOrNull(event_date) from {_table(warehouse, RECONCILIATION_TABLE)}")
    if not isinstance(latest, date):
        raise LookupError(f"{warehouse.db(MART_DATABASE)}.{RECONCILIATION_TABLE} has no rows")
    return latest.replace(day=1)


def month_rows(warehouse: Warehouse, branch_id: str, month: date) -> list[tuple[Any, ...]]:
    """The branch's reconciliation rows whose event (capture, refund initiation, gateway line) falls in the
    IST month, in ROW_COLUMNS order, by entity type and id."""
    start, end = month_range(month)
    return warehouse.rows(
        f"select {', '.join(quote_identifier(c) for c in ROW_COLUMNS)} "
        f"from {_table(warehouse, RECONCILIATION_TABLE)} "
        "where branch_id = {branch:String} and event_date >= {start:Date} and event_date < {end:Date} "
        "order by entity_type, entity_id, settlement_id",
        {"branch": branch_id, "start": start, "end": end},
    )


def _split(ids: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in (ids or "").split(",") if part.strip())


def _branch_day(row: Sequence[Any]) -> BranchDay:
    (day, count, ids, utrs, gross, fee, tax, refunds, adjustments, net, credited, difference, credit_date,
     matched) = row  # fmt: skip
    return BranchDay(day, int(count), _split(ids), _split(utrs), gross, fee, tax, refunds, adjustments, net,
                     credited, difference, credit_date, bool(matched))  # fmt: skip


BRANCH_DAY_SELECT = (
    "select settlement_date, settlement_count, settlement_id, settlement_utr, gross_paise, fee_paise, "
    "tax_paise, refund_paise, adjustment_paise, net_paise, bank_credited_paise, difference_paise, "
    "bank_credit_date, is_bank_matched "
)


def branch_days(warehouse: Warehouse, branch_id: str, month: date) -> list[BranchDay]:
    """The branch's payout days in the IST month (none when the table is missing)."""
    if not warehouse.table_exists(MART_DATABASE, BRANCH_DAYS_TABLE):
        return []
    start, end = month_range(month)
    rows = warehouse.rows(
        f"{BRANCH_DAY_SELECT} from {_table(warehouse, BRANCH_DAYS_TABLE)} "
        "where branch_id = {branch:String} and settlement_date >= {start:Date} and settlement_date < {end:Date} "
        "order by settlement_date",
        {"branch": branch_id, "start": start, "end": end},
    )
    return [_branch_day(row) for row in rows]


def days_by_settlement(warehouse: Warehouse) -> dict[str, BranchDay]:
    """Each settlement id's branch payout day (small: one row per branch per day)."""
    if not warehouse.table_exists(MART_DATABASE, BRANCH_DAYS_TABLE):
        return {}
    rows = warehouse.rows(f"{BRANCH_DAY_SELECT} from {_table(warehouse, BRANCH_DAYS_TABLE)}")
    return {sid: day for day in map(_branch_day, rows) for sid in day.settlement_ids}


@dataclass
class Settlement:
    settlement_id: str
    gateway: str
    rows: list[tuple[Any, ...]]  # ROW_COLUMNS order

    def first(self, column: str) -> Any:
        return next((r[COLUMN[column]] for r in self.rows if r[COLUMN[column]] not in (None, "")), None)

    @property
    def settled_at(self) -> datetime | None:
        return self.first("settled_at")


def settlements(warehouse: Warehouse, settlement_ids: Sequence[str] | None) -> Iterator[Settlement]:
    """The rows of each settlement (of `settlement_ids`, else of every settlement), one settlement at a
    time, by settlement id. Raises LookupError naming the ids the mart has no rows for."""
    _require_mart(warehouse)
    gateway = "gateway" if "gateway" in mart_columns(warehouse) else "''"
    source = _table(warehouse, RECONCILIATION_TABLE)
    where = "settlement_id != ''"
    parameters: dict[str, Any] = {}
    if settlement_ids is not None:
        wanted = sorted(set(settlement_ids))
        found = {r[0] for r in warehouse.rows(
            f"select distinct settlement_id from {source} where has({{ids:Array(String)}}, settlement_id)",
            {"ids": wanted},
        )}  # fmt: skip
        missing = [s for s in wanted if s not in found]
        if missing:
            raise LookupError(
                f"settlement {', '.join(missing)} is not in {warehouse.db(MART_DATABASE)}.{RECONCILIATION_TABLE}"
            )
        where += " and has({ids:Array(String)}, settlement_id)"
        parameters["ids"] = wanted
    sql = (
        f"select {', '.join(quote_identifier(c) for c in ROW_COLUMNS)}, {gateway} as gateway "
        f"from {source} where {where} "
        "order by settlement_id, indexOf(['payment', 'refund', 'gateway_line'], entity_type), entity_type, "
        "entity_id"
    )
    current: Settlement | None = None
    with warehouse.client.query_row_block_stream(
        sql, parameters=parameters, query_tz="UTC", settings={"max_block_size": BLOCK_ROWS}
    ) as stream:
        for block in stream:
            for row in block:
                sid = row[COLUMN["settlement_id"]]
                if current is None or current.settlement_id != sid:
                    if current is not None:
                        yield current
                    current = Settlement(sid, str(row[-1] or ""), [])
                current.rows.append(tuple(row[:-1]))
    if current is not None:
        yield current
