"""A new or changed file in a feed's folder starts that feed's load: one job `ingest_<feed>` (the feed's raw
tables) and one sensor `<feed>_files` per feed in `ingestion.feeds.FEEDS`, derived from the feed specs (a
new feed gets both). ADT's MLLP listener spool (`<data_dir>/adt/mllp/`, docs/adt-mllp.md), bill files in
`billing/` (docs/billing.md), the Razorpay pull's pages in `settlements/razorpay/api/`, a bank statement
dropped in `bank/`: each reaches its own feed's load.

The sensor lists the feed's files exactly as the load will (`Feed.files`: hidden temporary files are not
listed, so a message still being written never triggers a run) and fingerprints them (name, size,
modification time). A fingerprint it has not requested a run for yet requests one (run key: the
fingerprint, so Dagster never starts two runs for the same state). The load itself skips files it has
loaded before, so a run started by a fingerprint that also lists old files loads only the new ones.
"""
# No `from __future__ import annotations` here: Dagster reads the sensor function's type hints at runtime.

import hashlib
from pathlib import Path

from dagster import (
    AssetSelection,
    DefaultSensorStatus,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    sensor,
)

from ingestion.feeds import FEEDS, Feed
from orchestration.dq_history import DQ_HOOKS
from orchestration.ingestion_assets import feed_tables, raw_key
from orchestration.resources import PipelineSettings

ADT_HL7 = next(feed for feed in FEEDS if feed.name == "adt_hl7")
SENSOR_INTERVAL_SECONDS = 30


def files_fingerprint(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        stat = path.stat()
        digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


def feed_job_name(feed: Feed) -> str:
    return f"ingest_{feed.name}"


def feed_files_sensor(feed: Feed = ADT_HL7) -> tuple[object, SensorDefinition]:
    """(the job loading `feed`, the sensor starting it when the feed's files change)."""
    job = define_asset_job(
        feed_job_name(feed),
        selection=AssetSelection.assets(*(raw_key(t) for t in feed_tables(feed))),
        description=f"Load the {feed.name} feed's files from {feed.folder}/ into its raw tables",
        hooks=DQ_HOOKS,
    )

    @sensor(
        name=f"{feed.name}_files",
        job=job,
        minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
        default_status=DefaultSensorStatus.RUNNING,
        description=f"Starts {feed_job_name(feed)} when files in {feed.folder}/ (and its subfolders "
        f"{', '.join(feed.spec.subfolders) or 'none'}) are added or changed",
    )
    def _sensor(context: SensorEvaluationContext, pipeline: PipelineSettings):
        files = feed.files(pipeline.data_path)
        if not files:
            return SkipReason(f"no files in {pipeline.data_path / feed.folder}")
        fingerprint = files_fingerprint(files)
        if fingerprint == context.cursor:
            return SkipReason(f"{len(files)} file(s), none added or changed since the last run request")
        context.update_cursor(fingerprint)
        context.log.info(f"{len(files)} file(s) in {feed.folder}/, changed since the last run request")
        return RunRequest(
            run_key=f"{feed.name}-{fingerprint}", tags={"feed": feed.name, "files": str(len(files))}
        )

    return job, _sensor


FEED_FILE_SENSORS: dict[str, tuple[object, SensorDefinition]] = {
    feed.name: feed_files_sensor(feed) for feed in FEEDS
}
feed_jobs = [job for job, _ in FEED_FILE_SENSORS.values()]
feed_sensors = [sensor for _, sensor in FEED_FILE_SENSORS.values()]
