"""One Dagster asset per feed: load its files from the data directory into the raw tables.
# No `from __future__ import annotations` here: Dagster reads the asset functions' type hints at runtime.

Each feed's raw tables are asset keys `raw/<table>`, the same keys dbt's sources map to, so the graph runs
feed → staging → marts → exports. A conservation check per feed proves no row went missing.
"""

from collections.abc import Iterator, Sequence

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from core.warehouse import Warehouse
from ingestion.data_dir import load_feed
from ingestion.feeds import FEEDS, Feed
from ingestion.loader import ALREADY_LOADED, BatchResult
from orchestration.booking_outbox import BOOKING_OUTBOX_KEY
from orchestration.gateway_assets import SETTLEMENT_RECON_KEY
from orchestration.resources import PipelineSettings, WarehouseResource

INGESTION_GROUP = "ingestion"


def feed_tables(feed: Feed) -> list[str]:
    return [table.name for table in feed.tables]


def raw_key(table: str) -> AssetKey:
    return AssetKey(["raw", table])


def batch_totals(results: list[BatchResult]) -> dict[str, int]:
    fresh = [r for r in results if r.status != ALREADY_LOADED]
    return {
        "files": len(results),
        "files_already_loaded": len(results) - len(fresh),
        "files_rejected": sum(r.status == "rejected" for r in fresh),
        "rows_read": sum(r.rows_read for r in fresh),
        "rows_loaded": sum(r.rows_loaded for r in fresh),
        "rows_quarantined": sum(r.rows_quarantined for r in fresh),
        "rows_skipped": sum(r.rows_skipped for r in fresh),
    }


LAST_UPDATED = (
    "dagster/last_updated_timestamp"  # what Dagster's freshness checks read (orchestration/freshness.py)
)


def last_new_rows(warehouse: Warehouse, tables: Sequence[str]) -> dict[str, MetadataValue]:
    """{table: when it last received a new row (its newest `_loaded_at`)} for the tables with rows."""
    out = {}
    for table in tables:
        newest = warehouse.scalar(
            f"select toUnixTimestamp64Milli(max(_loaded_at)) from `{warehouse.db('raw')}`.`{table}` "
            "having count() > 0"
        )
        if newest is not None:
            out[table] = MetadataValue.timestamp(newest / 1000)
    return out


def build_feed_asset(feed: Feed, deps: Sequence[AssetKey] = ()):
    tables = feed_tables(feed)
    check_key = raw_key(tables[0])

    @multi_asset(
        name=f"load_{feed.name}",
        specs=[
            AssetSpec(
                raw_key(t),
                group_name=INGESTION_GROUP,
                kinds={"clickhouse", "python"},
                description=f"Raw table {t}, loaded from {feed.folder}/ by the {feed.name} feed",
                deps=list(deps),
            )
            for t in tables
        ],
        check_specs=[
            AssetCheckSpec(
                "rows_conserved",
                asset=check_key,
                description="rows read = rows loaded + rows quarantined + rows skipped as duplicates",
            )
        ],
        can_subset=False,
    )
    def _load(
        context: AssetExecutionContext, warehouse: WarehouseResource, pipeline: PipelineSettings
    ) -> Iterator[MaterializeResult | AssetCheckResult]:
        with warehouse.open() as w:
            results = load_feed(w, pipeline.data_path, feed)
            updated = last_new_rows(w, tables)
        for result in results:
            context.log.info(
                f"{result.source_file}: {result.status}, read {result.rows_read}, loaded {result.rows_loaded}, "
                f"quarantined {result.rows_quarantined}, skipped {result.rows_skipped}"
            )
        totals = batch_totals(results)
        for table in tables:
            last = {LAST_UPDATED: updated[table]} if table in updated else {}
            yield MaterializeResult(asset_key=raw_key(table), metadata={"feed": feed.name, **totals, **last})
        broken = [r.source_file for r in results if not r.conserved]
        yield AssetCheckResult(
            check_name="rows_conserved",
            asset_key=check_key,
            passed=not broken,
            metadata={"files_not_conserved": ", ".join(broken) or "none", **totals},
        )

    return _load


# The booking service's outbox lands in the events folder before the events feed reads it; the settlement
# recon pull stores API pages in the settlements folder. (The refund status check's answers are not an
# edge: the check reads the mart the answers feed, see orchestration/gateway_assets.py.)
UPSTREAM: dict[str, list[AssetKey]] = {
    "booking_events": [BOOKING_OUTBOX_KEY],
    "razorpay_settlements": [SETTLEMENT_RECON_KEY],
}
ingestion_assets = [build_feed_asset(feed, UPSTREAM.get(feed.name, ())) for feed in FEEDS]
