"""Dagster's freshness check on each raw table, with the window its feed's spec declares
(ingestion/spec.py `Freshness`; dbt's source freshness reads the same spec).

A feed's load reports when its tables last received a new row (`dagster/last_updated_timestamp`: the
newest `_loaded_at`; orchestration/ingestion_assets.py), not when the load last ran: a daily run that
finds no new file leaves its tables as old as they were. A table older than its feed's warn window fails
its check, at WARN severity: a late feed is reported (and alerted on, orchestration/alerts.py), it does
not stop the serving copy or fail `mymedic run`. The checks run with every run that loads the feed and,
between runs, from `freshness_checks_sensor`.
"""

from __future__ import annotations

from datetime import timedelta

from dagster import (
    AssetChecksDefinition,
    AssetCheckSeverity,
    DefaultSensorStatus,
    SensorDefinition,
    build_last_update_freshness_checks,
    build_sensor_for_freshness_checks,
)

from ingestion.feeds import FEEDS, Feed
from orchestration.ingestion_assets import feed_tables, raw_key

FRESHNESS_SENSOR_SECONDS = 15 * 60


def feed_freshness_checks(feed: Feed) -> list[AssetChecksDefinition]:
    """The feed's tables' checks at its warn window; none for a feed that arrives unscheduled."""
    freshness = feed.spec.freshness
    if freshness is None or not freshness.expected:
        return []
    return list(
        build_last_update_freshness_checks(
            assets=[raw_key(t) for t in feed_tables(feed)],
            lower_bound_delta=timedelta(hours=freshness.warn_after_hours or 0),
            severity=AssetCheckSeverity.WARN,
        )
    )


def freshness_descriptions() -> dict[tuple[str, str], str]:
    """(asset key, check name) -> what each freshness check checks, with its feed's window and why (Dagster
    describes them all alike)."""
    out = {}
    for feed in FEEDS:
        freshness = feed.spec.freshness
        for check in feed_freshness_checks(feed):
            for key in check.check_keys:
                out[(key.asset_key.to_user_string(), key.name)] = (
                    f"{key.asset_key.to_user_string()} received a new row in the last "
                    f"{freshness.warn_after_hours} hours (the {feed.name} feed {freshness.why}; dbt's source "
                    f"freshness errors after {freshness.error_after_hours})"
                )
    return out


freshness_checks: list[AssetChecksDefinition] = [c for feed in FEEDS for c in feed_freshness_checks(feed)]

freshness_checks_sensor: SensorDefinition = build_sensor_for_freshness_checks(
    freshness_checks=freshness_checks,
    minimum_interval_seconds=FRESHNESS_SENSOR_SECONDS,
    name="freshness_checks_sensor",
    default_status=DefaultSensorStatus.RUNNING,
)
