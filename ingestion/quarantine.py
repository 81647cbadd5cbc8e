"""Read the quarantine: the input rows that were not loaded and why.

A row counts once its load committed (its batch has a ledger row). A row an operator fixed (a corrected
file loaded it: `raw.quarantine_fixes`, ingestion/quarantine_fixes.py) stays in the quarantine; it is no
longer *open*.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.warehouse import Warehouse


def quarantined_rows(
    warehouse: Warehouse, feed: str | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    raw = warehouse.db("raw")
    if not warehouse.table_exists("raw", "quarantine"):
        return []
    return warehouse.dicts(
        f"select feed, _source_file as file, _source_line as line, reason, raw_line "
        f"from `{raw}`.quarantine where ({{feed:String}} = '' or feed = {{feed:String}}) "
        f"and _batch_id in (select _batch_id from `{raw}`.load_ledger) "
        "order by feed, file, line limit {limit:UInt64}",
        {"feed": feed or "", "limit": limit},
    )


@dataclass(frozen=True)
class QuarantinedRecord:
    feed: str
    batch_id: str
    file: str
    line: int
    reason: str
    raw_line: str  # patient-linked: the record as received (cut at EXCERPT_BYTES)
    byte_length: int
    quarantined_at: datetime
    fixed_by_file: str  # '' while open
    fixed_by: str
    fixed_at: datetime | None

    @property
    def open(self) -> bool:
        return not self.fixed_by_file


@dataclass(frozen=True)
class FeedQuarantine:
    feed: str
    open: int
    fixed: int


def _ready(warehouse: Warehouse) -> bool:
    return all(warehouse.table_exists("raw", t) for t in ("quarantine", "load_ledger"))


# A warehouse loaded before fixes existed has no raw.quarantine_fixes until its next load: nothing is fixed.
NO_FIXES = (
    "(select '' as feed, '' as _batch_id, toUInt64(0) as _source_line, '' as fixed_by_file, '' as fixed_by, "
    "toDateTime64(0, 3, 'UTC') as fixed_at where 0)"
)


def _records_sql(warehouse: Warehouse, where: str) -> str:
    raw = warehouse.db("raw")
    fixes = f"`{raw}`.quarantine_fixes" if warehouse.table_exists("raw", "quarantine_fixes") else NO_FIXES
    return (
        "select q.feed as feed, q._batch_id as batch_id, q._source_file as file, q._source_line as line, "
        "q.reason as reason, q.raw_line as raw_line, q.byte_length as byte_length, "
        "q._quarantined_at as quarantined_at, f.fixed_by_file as fixed_by_file, f.fixed_by as fixed_by, "
        "f.fixed_at as fixed_at "
        f"from `{raw}`.quarantine as q left join {fixes} as f "
        f"on f.feed = q.feed and f._batch_id = q._batch_id and f._source_line = q._source_line "
        f"where q._batch_id in (select _batch_id from `{raw}`.load_ledger) and {where}"
    )


def _record(row: tuple) -> QuarantinedRecord:
    *head, fixed_by_file, fixed_by, fixed_at = row
    return QuarantinedRecord(
        *head, fixed_by_file=fixed_by_file or "", fixed_by=fixed_by or "",
        fixed_at=fixed_at if fixed_by_file else None,
    )  # fmt: skip


def open_records(warehouse: Warehouse, feed: str = "", limit: int = 200) -> list[QuarantinedRecord]:
    """The open (not fixed) quarantined records, of one feed or all, by feed, file and line."""
    if not _ready(warehouse):
        return []
    sql = _records_sql(warehouse, "({feed:String} = '' or q.feed = {feed:String}) and f.fixed_by_file = ''")
    rows = warehouse.rows(
        f"{sql} order by q.feed, q._source_file, q._source_line limit {{limit:UInt64}}",
        {"feed": feed, "limit": limit},
    )
    return [_record(r) for r in rows]


def quarantined_record(warehouse: Warehouse, batch_id: str, line: int) -> QuarantinedRecord | None:
    """One quarantined record of a committed load, open or fixed; None when there is none."""
    if not _ready(warehouse):
        return None
    sql = _records_sql(warehouse, "q._batch_id = {batch:String} and q._source_line = {line:UInt64}")
    rows = warehouse.rows(f"{sql} limit 1", {"batch": batch_id, "line": line})
    return _record(rows[0]) if rows else None


def quarantine_by_feed(warehouse: Warehouse) -> list[FeedQuarantine]:
    """Per feed with any quarantined record: how many are open and how many were fixed."""
    if not _ready(warehouse):
        return []
    sql = _records_sql(warehouse, "1")
    return [
        FeedQuarantine(feed, int(open_), int(fixed))
        for feed, open_, fixed in warehouse.rows(
            f"select feed, countIf(fixed_by_file = ''), countIf(fixed_by_file != '') from ({sql}) "
            "group by feed order by feed"
        )
    ]
