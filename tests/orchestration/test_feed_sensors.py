"""Every feed has a file sensor: a file dropped in one feed's folder (or a declared subfolder) makes that
feed's sensor, and no other, request a run of the job that loads exactly that feed's raw tables. The feeds
come from ingestion.feeds.FEEDS, so a new feed is covered without touching this test."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import AssetKey, DefaultSensorStatus, RunRequest, build_sensor_context

from core.settings import WAREHOUSE_ENV
from ingestion.feeds import FEEDS, Feed
from orchestration.definitions import build_definitions
from orchestration.feed_sensors import FEED_FILE_SENSORS
from orchestration.resources import PipelineSettings


def drop_a_file(data: Path, feed: Feed) -> Path:
    """A file where the feed reads: its folder, or its first declared subfolder when that is a pattern."""
    folder = data / feed.folder
    sub = next(iter(feed.spec.subfolders), "")
    if sub and any(ch in sub for ch in "*?["):
        folder = folder / sub.replace("*", "new")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / feed.patterns[0].replace("*", "new")
    path.write_text("a file\n")
    return path


def requests(data: Path) -> dict[str, RunRequest]:
    """The feeds whose sensor asks for a run, starting from no cursor."""
    asked = {}
    for name, (_, sensor) in FEED_FILE_SENSORS.items():
        context = build_sensor_context(resources={"pipeline": PipelineSettings(data_dir=str(data))})
        result = sensor(context)
        if isinstance(result, RunRequest):
            asked[name] = result
    return asked


@pytest.mark.parametrize("feed", FEEDS, ids=[f.name for f in FEEDS])
def test_a_file_in_a_feeds_folder_starts_that_feeds_load_only(tmp_path: Path, feed: Feed) -> None:
    assert requests(tmp_path) == {}
    path = drop_a_file(tmp_path, feed)
    assert feed.files(tmp_path) == [path]
    asked = requests(tmp_path)
    assert list(asked) == [feed.name]
    assert asked[feed.name].tags == {"feed": feed.name, "files": "1"}


def test_the_definitions_hold_a_running_sensor_and_a_load_job_per_feed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(WAREHOUSE_ENV, "chdb:///tmp/never-opened")
    defs = build_definitions()
    for feed in FEEDS:
        sensor = defs.resolve_sensor_def(f"{feed.name}_files")
        assert sensor.default_status == DefaultSensorStatus.RUNNING
        job = defs.resolve_job_def(sensor.job_name)
        assert job.name == f"ingest_{feed.name}"
        assert job.asset_layer.selected_asset_keys == {AssetKey(["raw", t.name]) for t in feed.tables}
