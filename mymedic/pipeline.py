"""Run the whole pipeline in this process (what `mymedic run` does) and gather its report."""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.settings import WAREHOUSE_ENV, warehouse_settings


@dataclass
class RunReport:
    success: bool
    as_of: str
    feeds: dict[str, dict[str, int]] = field(default_factory=dict)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    exports: list[str] = field(default_factory=list)
    serving: str = ""  # the serving copy published at the end of the run (empty: not published)
    failed_checks: list[str] = field(default_factory=list)  # ERROR severity: the run failed
    warned_checks: list[str] = field(default_factory=list)  # WARN severity: failed, the run did not
    log: str = ""


LOG_DIR = Path(".mymedic/logs")
# A run over a range of partitions (what a single-run backfill launches, and `dagster asset materialize
# --partition-range`): Dagster's system tags, not exported by the `dagster` package itself.
RANGE_START_TAG, RANGE_END_TAG = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
ONLY_JOB = "only_what_is_asked"
DBT_INDIRECT_SELECTION = "DBT_INDIRECT_SELECTION"
# The console only shows problems; the summary is printed from the run's events and the marts.
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def _watch_steps(instance: Any, run_id: str, total: int, worker: threading.Thread,
                 on_step: Callable[[int, int, str], None]) -> None:  # fmt: skip
    """Report step progress from the run's event log while `worker` executes the run."""
    from dagster import DagsterEventType

    kinds = {DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}
    while worker.is_alive():
        worker.join(0.5)
        records = [
            r for r in instance.all_logs(run_id) if r.dagster_event and r.dagster_event.event_type in kinds
        ]
        done = sum(r.dagster_event.event_type != DagsterEventType.STEP_START for r in records)
        running = [r.step_key for r in records if r.dagster_event.event_type == DagsterEventType.STEP_START]
        on_step(done, total, f"Running {running[-1]}" if running and done < total else "Finishing")


@contextlib.contextmanager
def _warehouse_env(url: str) -> Iterator[None]:
    """`MYMEDIC_WAREHOUSE=url` for the duration of a run (no change when `url` is empty).

    The URL reaches the run only through the environment, which the resources read as `EnvVar`: nothing
    in the run's config, resource config or event log holds it, and a password in it stays out of the UI.
    """
    with _environ(WAREHOUSE_ENV, url):
        yield


@contextlib.contextmanager
def _environ(name: str, value: str) -> Iterator[None]:
    """`name=value` in the environment for the duration of a run (no change when `value` is empty)."""
    if not value:
        yield
        return
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def run_pipeline(
    data_dir: Path,
    exports_dir: Path,
    *,
    as_of: str = "",
    warehouse_url: str = "",
    serving_dir: Path | None = None,
    on_step: Callable[[int, int, str], None] | None = None,
    only: Sequence[str] = (),
) -> RunReport:
    """Run every asset once in this process; `warehouse_url` (empty: `$MYMEDIC_WAREHOUSE`) is handed to
    the run through the environment only. `only` (asset keys as `marts/fct_patient_episodes`): just those
    assets and every asset upstream of them, with their checks (a test that reads some marts)."""
    # dbt's tests of the models run: with `only`, those whose every parent is built ("buildable"), not a
    # test that also reads a model left out (dbt's default "eager" would run it against a missing table)
    with _warehouse_env(warehouse_url), _environ(DBT_INDIRECT_SELECTION, "buildable" if only else ""):
        return _run(data_dir, exports_dir, as_of, serving_dir, on_step, only)


def _run(
    data_dir: Path,
    exports_dir: Path,
    as_of: str,
    serving_dir: Path | None,
    on_step: Callable[[int, int, str], None] | None,
    only: Sequence[str] = (),
) -> RunReport:
    from dagster import AssetCheckSeverity, AssetKey, AssetSelection, Definitions, define_asset_job

    from orchestration.definitions import build_definitions
    from orchestration.dq_history import DQ_HOOKS
    from orchestration.resources import PipelineSettings

    settings = warehouse_settings()
    pipeline = PipelineSettings(
        data_dir=str(data_dir.resolve()),
        exports_dir=str(exports_dir.resolve()),
        as_of=as_of,
        **({"serving_dir": str(serving_dir.resolve())} if serving_dir else {}),
    )
    defs = build_definitions(pipeline)
    job = defs.resolve_job_def("reconcile_everything")
    if only:  # the job's assets upstream of `only` (whole multi-assets that can't be split), with checks
        wanted = AssetSelection.assets(*(AssetKey.from_user_string(k) for k in only)).upstream()
        keys = wanted.resolve(defs.resolve_asset_graph()) & job.asset_layer.selected_asset_keys
        subset = define_asset_job(
            ONLY_JOB, AssetSelection.assets(*keys).required_multi_asset_neighbors(), hooks=DQ_HOOKS
        )
        defs = Definitions.merge(defs, Definitions(jobs=[subset]))
        job = defs.resolve_job_def(ONLY_JOB)
    result, log = _execute(job, on_step)
    report = RunReport(success=result.success, as_of=as_of, log=str(log))
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        meta = {k: v.value for k, v in mat.metadata.items()}
        if "feed" in meta:
            report.feeds[meta["feed"]] = {k: v for k, v in meta.items() if isinstance(v, int)}
        if "files" in meta and isinstance(meta["files"], list):
            report.exports = [str(p) for p in meta["files"]]
        if "serving" in meta:
            report.serving = str(meta["serving"])
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                failed = (
                    report.warned_checks
                    if evaluation.severity == AssetCheckSeverity.WARN
                    else report.failed_checks
                )
                failed.append(f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}")
    report.success = report.success and not report.failed_checks
    report.statuses, report.as_of = reconciliation_summary(settings, as_of)
    return report


def _execute(
    job: Any, on_step: Callable[[int, int, str], None] | None, tags: dict[str, str] | None = None
) -> tuple[Any, Path]:
    """Run `job` in this process (chDB: one at a time), recorded in the persistent instance `make dagster`
    shows (orchestration/instance.py); dbt's output goes to the run's log file. (result, log file)."""
    from orchestration.instance import run_history

    run_id, outcome = str(uuid.uuid4()), {}
    log = LOG_DIR.resolve() / f"run-{run_id}.log"
    log.parent.mkdir(parents=True, exist_ok=True)

    def execute(instance: Any) -> None:
        # dagster-dbt echoes dbt's log to stdout; keep it in the run's log file instead of the summary.
        with log.open("w") as sink, contextlib.redirect_stdout(sink):
            outcome["result"] = job.execute_in_process(
                instance=instance, run_id=run_id, run_config=QUIET, raise_on_error=False, tags=tags
            )

    with run_history() as instance:
        worker = threading.Thread(target=execute, args=(instance,), name="mymedic-run")
        worker.start()
        if on_step:
            _watch_steps(instance, run_id, len(job.graph.node_defs), worker, on_step)
        worker.join()
    if "result" not in outcome:
        raise RuntimeError("the pipeline run ended without a result; see the errors above")
    return outcome["result"], log


@dataclass
class BackfillReport:
    success: bool
    run_id: str
    days: list[str] = field(default_factory=list)  # every day pulled, oldest first
    lines: int = 0  # recon lines Razorpay listed for them
    files_written: list[str] = field(default_factory=list)  # pages new or changed since the last pull
    loaded: dict[str, int] = field(default_factory=dict)  # the settlements feed's totals (batch_totals)
    errors: list[str] = field(default_factory=list)  # a failed step's one line each
    log: str = ""


def run_settlement_backfill(
    data_dir: Path, first: str, last: str, *, warehouse_url: str = ""
) -> BackfillReport:
    """Settlement days `first`..`last` (YYYY-MM-DD, IST) pulled from Razorpay and loaded, as one Dagster run
    of `backfill_razorpay_settlements` over that partition range, in this process."""
    from orchestration.definitions import build_definitions
    from orchestration.resources import PipelineSettings

    with _warehouse_env(warehouse_url):
        defs = build_definitions(PipelineSettings(data_dir=str(data_dir.resolve())))
        job = defs.resolve_job_def("backfill_razorpay_settlements")
        tags = {RANGE_START_TAG: first, RANGE_END_TAG: last}
        result, log = _execute(job, None, tags)
    report = BackfillReport(success=result.success, run_id=result.run_id, log=str(log))
    for event in result.get_asset_materialization_events():
        meta = {k: v.value for k, v in event.event_specific_data.materialization.metadata.items()}
        if "days" in meta:
            report.days, report.lines, report.files_written = (
                meta["days"],
                meta["lines"],
                meta["files_written"],
            )
        if "feed" in meta:
            report.loaded = {k: v for k, v in meta.items() if isinstance(v, int)}
    report.errors = [
        f"{e.step_key}: {e.event_specific_data.error.message.strip().splitlines()[0]}"
        for e in result.all_events
        if e.is_step_failure
    ]
    return report


def reconciliation_summary(settings: Any, as_of: str) -> tuple[list[dict[str, Any]], str]:
    """Rows, and amounts in paise as the mart states them (refunds positive), per status and entity type."""
    from core.warehouse import open_warehouse

    with open_warehouse(settings) as w:
        if not w.table_exists("marts", "fct_payment_reconciliation"):
            return [], as_of
        rows = w.dicts(
            "select status, entity_type, count() as rows, sum(ifNull(booked_amount_paise, 0)) as booked, "
            "sum(ifNull(gateway_amount_paise, 0)) as gateway, "
            "sum(ifNull(fee_paise, 0) + ifNull(tax_paise, 0)) as fees, "
            "sum(ifNull(net_settled_paise, 0)) as net, toString(max(as_of_date)) as as_of "
            f"from `{w.db('marts')}`.fct_payment_reconciliation group by status, entity_type "
            "order by status, entity_type"
        )
    return rows, (rows[0]["as_of"] if rows and not as_of else as_of)
