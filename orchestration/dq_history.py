"""The data-quality history: every check a run evaluates (dbt tests, the feeds' asset checks) lands in
`marts.dq_results` (ingestion/tables.py DQ_RESULTS), which dbt's fct_dq_daily summarises.

A hook on each of our jobs (`DQ_HOOKS`: reconcile_everything, the feed jobs the file sensors start, the
bundle jobs, and `mymedic run`) writes the checks a step evaluated right after that step, whether it
succeeded or failed: a dbt build whose tests fail still records them, and the steps after it (the serving
copy) already see them. The rows come from the run's own event log, so they are what the Dagster UI shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache

from dagster import (
    AssetCheckSeverity,
    DagsterEventType,
    DagsterInstance,
    HookContext,
    HookDefinition,
    failure_hook,
    success_hook,
)
from pydantic import BaseModel

from core.warehouse import Warehouse
from ingestion.tables import DQ_RESULTS, create_dq_results_table
from orchestration.dbt_assets import mymedic_dbt_models
from orchestration.freshness import freshness_checks, freshness_descriptions
from orchestration.ingestion_assets import ingestion_assets

FAILED_ROWS_KEY = "dagster_dbt/failed_row_count"  # dagster-dbt's metadata on a dbt test's evaluation


class DqResult(BaseModel):
    run_id: str
    job_name: str
    step_key: str
    asset_key: str
    check_name: str
    description: str
    status: str  # passed | failed
    severity: str  # ERROR | WARN
    failing_rows: int | None
    checked_at: datetime


def check_results(
    instance: DagsterInstance,
    run_id: str,
    descriptions: dict[tuple[str, str], str],
    step_key: str | None = None,
) -> list[DqResult]:
    """The run's check evaluations (of one step when `step_key` is given), as dq_results rows.
    `descriptions`: (asset key, check name) -> what the check checks (the job's check specs)."""
    run = instance.get_run_by_id(run_id)
    job_name = run.job_name if run else ""
    out = []
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        if step_key is not None and entry.step_key != step_key:
            continue
        evaluation = entry.dagster_event.event_specific_data
        asset = evaluation.asset_key.to_user_string()
        failing = evaluation.metadata.get(FAILED_ROWS_KEY)
        out.append(
            DqResult(
                run_id=run_id,
                job_name=job_name,
                step_key=entry.step_key or "",
                asset_key=asset,
                check_name=evaluation.check_name,
                description=descriptions.get((asset, evaluation.check_name), ""),
                status="passed" if evaluation.passed else "failed",
                severity="WARN" if evaluation.severity == AssetCheckSeverity.WARN else "ERROR",
                failing_rows=None if failing is None else int(failing.value),
                checked_at=datetime.fromtimestamp(entry.timestamp, UTC),
            )
        )
    return out


def record_results(warehouse: Warehouse, results: Iterable[DqResult]) -> int:
    """Append the rows to marts.dq_results (created if absent); returns how many."""
    rows = list(results)
    if not rows:
        return 0
    table = create_dq_results_table(warehouse)
    names = DQ_RESULTS.column_names
    warehouse.client.insert(
        table.replace("`", ""), [[getattr(r, n) for n in names] for r in rows], column_names=names
    )
    return len(rows)


@cache
def check_descriptions() -> dict[tuple[str, str], str]:
    """(asset key, check name) -> description, of every check our assets declare (dbt's tests, described
    by orchestration/check_descriptions.py, the feeds' conservation and freshness checks)."""
    return {
        **{
            (spec.asset_key.to_user_string(), spec.name): spec.description or ""
            for assets_def in (mymedic_dbt_models, *ingestion_assets, *freshness_checks)
            for spec in assets_def.check_specs
        },
        **freshness_descriptions(),
    }


def _record_step(context: HookContext) -> None:
    results = check_results(context.instance, context.run_id, check_descriptions(), context.step_key)
    if results:
        with context.resources.warehouse.open() as warehouse:
            recorded = record_results(warehouse, results)
        context.log.info(f"recorded {recorded} check result(s) of {context.step_key} in marts.dq_results")


@success_hook(name="record_checks_after_success", required_resource_keys={"warehouse"})
def record_checks_after_success(context: HookContext) -> None:
    _record_step(context)


@failure_hook(name="record_checks_after_failure", required_resource_keys={"warehouse"})
def record_checks_after_failure(context: HookContext) -> None:
    _record_step(context)


DQ_HOOKS: set[HookDefinition] = {record_checks_after_success, record_checks_after_failure}
