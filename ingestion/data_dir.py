"""Load every feed file of a data directory (the layout `mymedic generate` writes)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from core.warehouse import Warehouse
from ingestion.feeds import Feed, LoadContext
from ingestion.feeds.reference import tenant_of
from ingestion.loader import BatchResult, drop_leftover_tables, load_file
from ingestion.tables import create_raw_tables


def load_feed(
    warehouse: Warehouse,
    data_dir: Path,
    feed: Feed,
    *,
    on_file: Callable[[BatchResult], None] | None = None,
) -> list[BatchResult]:
    """Load every file of one feed in `data_dir`; the tenant is the one named in reference/branches.csv."""
    create_raw_tables(warehouse)
    drop_leftover_tables(warehouse)
    context = LoadContext(tenant_id=tenant_of(data_dir))
    results = []
    for path in feed.files(data_dir):
        result = load_file(warehouse, feed, path, context, source=path.relative_to(data_dir).as_posix())
        results.append(result)
        if on_file:
            on_file(result)
    return results
