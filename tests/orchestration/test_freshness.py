"""Freshness: every feed states how often its rows arrive, dbt's source freshness and Dagster's check per raw
table both follow it, and the check judges a table by its newest row, not by the last load run (real
Dagster on a real chDB warehouse, Dagster's clock moved forward with its own freeze_time)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import yaml
from dagster import AssetCheckSeverity, AssetSelection, DagsterInstance, Definitions, define_asset_job
from dagster._core.test_utils import freeze_time  # Dagster's own clock, which its freshness checks read
from support.paths import REPO

from ingestion.feeds import FEEDS, feed_named
from orchestration.freshness import feed_freshness_checks, freshness_descriptions
from orchestration.ingestion_assets import build_feed_asset, raw_key
from orchestration.resources import PipelineSettings, WarehouseResource
from sampledata import write_sample

EVENTS = feed_named("booking_events")


def test_every_feed_and_every_source_table_states_its_freshness() -> None:
    assert all(feed.spec.freshness is not None for feed in FEEDS), [
        feed.name for feed in FEEDS if feed.spec.freshness is None
    ]
    for path in sorted((REPO / "dbt_project" / "models" / "staging").glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                assert "freshness" in table, f"{path.name}: {table['name']} states no freshness"
                if table["freshness"]:
                    assert table.get("loaded_at_field"), table["name"]
    spec = EVENTS.spec.freshness
    sources = yaml.safe_load((REPO / "dbt_project/models/staging/booking/_booking__sources.yml").read_text())
    [events] = [t for t in sources["sources"][0]["tables"] if t["name"] == "booking_events"]
    assert events["loaded_at_field"] == "_loaded_at"
    assert events["freshness"]["warn_after"] == {"count": spec.warn_after_hours, "period": "hour"}
    assert events["freshness"]["error_after"] == {"count": spec.error_after_hours, "period": "hour"}
    # reference data arrives when it changes: no check, and dbt is told so
    assert feed_freshness_checks(feed_named("reference")) == []


def test_a_table_is_as_old_as_its_newest_row_and_its_check_warns_after_the_window(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_sample(data, seed=3, branches=1, days=1, start=date(2026, 10, 1), bookings_per_branch_day=3,
                 messages=False, adt_format="none")  # fmt: skip
    load = build_feed_asset(EVENTS)
    checks = feed_freshness_checks(EVENTS)
    defs = Definitions(
        assets=[load],
        asset_checks=checks,
        jobs=[
            define_asset_job("load", AssetSelection.assets(load)),
            define_asset_job("check", AssetSelection.checks(*checks)),
        ],
        resources={
            "warehouse": WarehouseResource(url=f"chdb://{tmp_path / 'warehouse'}"),
            "pipeline": PipelineSettings(data_dir=str(data)),
        },
    )
    key = raw_key("booking_events")

    def evaluate(instance: DagsterInstance) -> tuple[bool, AssetCheckSeverity]:
        result = defs.resolve_job_def("check").execute_in_process(instance=instance)
        [evaluation] = [e for e in result.get_asset_check_evaluations() if e.asset_key == key]
        return evaluation.passed, evaluation.severity

    with DagsterInstance.ephemeral() as instance:
        loaded = defs.resolve_job_def("load").execute_in_process(instance=instance)
        assert loaded.success
        [materialization] = [
            m for m in loaded.asset_materializations_for_node(load.node_def.name) if m.asset_key == key
        ]
        newest_row = materialization.metadata["dagster/last_updated_timestamp"].value
        assert abs(newest_row - datetime.now(UTC).timestamp()) < 600
        assert evaluate(instance) == (True, AssetCheckSeverity.WARN)
        loaded_at = datetime.fromtimestamp(newest_row, UTC)
        # a day later the daily run loads again, finds no new file: the table is as old as its newest row
        with freeze_time(loaded_at + timedelta(hours=25)):
            assert defs.resolve_job_def("load").execute_in_process(instance=instance).success
            assert evaluate(instance)[0]
        with freeze_time(loaded_at + timedelta(hours=27)):
            assert evaluate(instance) == (False, AssetCheckSeverity.WARN)
    assert "in the last 26 hours" in freshness_descriptions()[("raw/booking_events", "freshness_check")]
