"""The booking service's outbox as a Dagster asset: export its not-yet-exported CloudEvents into
`<data_dir>/events/` (NDJSON), where the booking-events feed picks them up.

Each event is written once: the export marks events exported in the same transaction that reads them.
The booking database is `MYMEDIC_BOOKING_DB` (default `.mymedic/booking.db`) unless the run config names
one; the tenant is the data directory's (reference/branches.csv) when it names one. Where there is no
booking database at all (the platform fed by files only), the asset exports nothing and says so.
"""
# No `from __future__ import annotations` here: Dagster reads the asset function's type hints at runtime.

import os
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, Config, MaterializeResult, asset
from pydantic import Field

from booking.infra.db import Database
from booking.infra.outbox import export_events
from booking.settings import DB_ENV, DEFAULT_DB_PATH, database_url
from ingestion.feeds.reference import tenant_of
from orchestration.resources import PipelineSettings

BOOKING_OUTBOX_KEY = AssetKey(["booking", "outbox_events"])


class BookingOutboxConfig(Config):
    database_url: str = Field(default="", description=f"Booking DB URL; empty: ${DB_ENV} or the SQLite file")
    tenant_id: str = Field(
        default="", description="Export only this tenant; empty: the data directory's tenant"
    )


def _tenant(data_dir: Path, configured: str) -> str | None:
    if configured:
        return configured
    try:
        return tenant_of(data_dir)
    except FileNotFoundError:
        return None  # no reference data yet: a single-tenant deployment exports everything


@asset(
    key=BOOKING_OUTBOX_KEY,
    group_name="ingestion",
    kinds={"python"},
    description="Booking-service CloudEvents exported from its transactional outbox into <data_dir>/events/",
)
def booking_outbox_asset(
    context: AssetExecutionContext, config: BookingOutboxConfig, pipeline: PipelineSettings
) -> MaterializeResult:
    events_dir = pipeline.data_path / "events"
    if not (config.database_url or os.environ.get(DB_ENV) or DEFAULT_DB_PATH.exists()):
        context.log.info(f"no booking database (${DB_ENV} unset, no embedded file): nothing to export")
        return MaterializeResult(metadata={"events": 0, "files": [], "tenant": "none"})
    tenant = _tenant(pipeline.data_path, config.tenant_id)
    db = Database(database_url(config.database_url or None))
    try:
        result = export_events(db, events_dir, tenant_id=tenant)
    finally:
        db.dispose()
    for path in result.files:
        context.log.info(f"wrote {path}")
    return MaterializeResult(
        metadata={
            "events": result.events,
            "files": [str(p) for p in result.files],
            "tenant": tenant or "all",
            **{f"events.{t}": n for t, n in sorted(result.by_type.items())},
        }
    )
