"""Read the quarantine: the input rows that were not loaded and why."""

from __future__ import annotations

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
