"""The data-quality history: a real run (Dagster in process, chDB, dbt) of a small generated chain whose
gateway contracts leave out netbanking records every check it evaluated in marts.dq_results, the warn test
with its failing row, and fct_dq_daily sums them up; a step that fails still records its checks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    DagsterInstance,
    Definitions,
    Failure,
    asset,
    define_asset_job,
)

from core.settings import warehouse_settings
from core.warehouse import open_warehouse
from mymedic.pipeline import ONLY_JOB, RunReport, run_pipeline
from orchestration.dq_history import DQ_HOOKS
from orchestration.resources import WarehouseResource
from sampledata import write_sample

WARN_CHECK = "intermediate/int_payments__deduplicated:warn_every_payment_method_has_a_gateway_contract"


@dataclass
class Chain:
    url: str
    report: RunReport

    def query(self, sql: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        with open_warehouse(warehouse_settings(self.url)) as w:
            return w.dicts(sql.replace("{marts}", w.db("marts")), parameters)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    root = tmp_path_factory.mktemp("dq_history")
    data = root / "data"
    write_sample(data, seed=7, branches=2, days=4, start=date(2026, 10, 1), bookings_per_branch_day=5,
                 messages=False, adt_format="none")  # fmt: skip
    contracts = data / "reference" / "gateway_contract.csv"
    lines = contracts.read_text().splitlines(keepends=True)
    contracts.write_text("".join(line for line in lines if ",netbanking," not in line))
    url = f"chdb://{root / 'warehouse'}"
    only = ("marts/fct_payment_reconciliation", "marts/fct_dq_daily")
    report = run_pipeline(data, root / "exports", warehouse_url=url, only=only)
    chain = Chain(url, report)
    # the sample pays by netbanking: without its contract the warn test fails with that one group
    assert chain.query(
        "select count() as n from {marts}.fct_payment_reconciliation where method = 'netbanking'"
    )[0]["n"]
    yield chain


def test_a_warning_is_recorded_and_reported_but_does_not_fail_the_run(chain: Chain) -> None:
    assert chain.report.success, chain.report.failed_checks
    assert chain.report.warned_checks == [WARN_CHECK]
    asset_key, check = WARN_CHECK.split(":")
    [row] = chain.query("select * from {marts}.dq_results where check_name = {c:String}", {"c": check})
    assert (row["asset_key"], row["status"], row["severity"], row["failing_rows"]) == (
        asset_key, "failed", "WARN", 1)  # fmt: skip
    assert row["job_name"] == ONLY_JOB and row["step_key"] == "mymedic_dbt_models"
    assert "gateway_contract.csv" in row["description"]


def test_every_check_of_the_run_is_recorded_once_with_a_description(chain: Chain) -> None:
    rows = chain.query("select * from {marts}.dq_results")
    assert len({r["run_id"] for r in rows}) == 1
    keys = [(r["asset_key"], r["check_name"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert all(r["description"] for r in rows), [
        k for k, r in zip(keys, rows, strict=True) if not r["description"]
    ]
    by_key = {k: r for k, r in zip(keys, rows, strict=True)}
    # the feeds' conservation checks (no row count) and dbt's tests (a row count, 0 when they pass)
    for table in ("booking_events", "razorpay_settlement_lines", "bank_statement_lines"):
        conserved = by_key[(f"raw/{table}", "rows_conserved")]
        assert (conserved["status"], conserved["failing_rows"]) == ("passed", None)
    reconciliation = [
        r for (asset_key, _), r in by_key.items() if asset_key == "marts/fct_payment_reconciliation"
    ]
    assert len(reconciliation) > 5
    assert {(r["status"], r["failing_rows"], r["severity"]) for r in reconciliation} == {
        ("passed", 0, "ERROR")
    }
    assert sum(r["status"] == "failed" for r in rows) == 1


def test_the_daily_mart_sums_up_the_history(chain: Chain) -> None:
    recorded = chain.query("select count() as n from {marts}.dq_results")[0]["n"]
    daily = chain.query("select * from {marts}.fct_dq_daily")
    assert sum(r["evaluation_count"] for r in daily) == recorded
    assert sum(r["passed_count"] + r["failed_count"] for r in daily) == recorded
    [warn] = [r for r in daily if r["check_name"] == WARN_CHECK.split(":")[1]]
    assert (warn["failed_count"], warn["latest_status"], warn["latest_failing_rows"]) == (1, "failed", 1)
    assert warn["latest_run_id"] == chain.query("select any(run_id) as r from {marts}.dq_results")[0]["r"]


def test_a_failed_step_still_records_its_checks(tmp_path: Path) -> None:
    """A step that evaluates its checks and then fails (as dbt build does when an ERROR test fails)."""
    key = AssetKey(["raw", "scratch"])
    checks = [
        AssetCheckSpec("first", asset=key, description="first check"),
        AssetCheckSpec("second", asset=key),
    ]

    @asset(key=key, check_specs=checks)
    def scratch() -> Iterator[AssetCheckResult]:
        yield AssetCheckResult(asset_key=key, check_name="first", passed=True)
        yield AssetCheckResult(asset_key=key, check_name="second", passed=False,
                               severity=AssetCheckSeverity.ERROR, metadata={"dagster_dbt/failed_row_count": 4})  # fmt: skip
        raise Failure("the build failed after its tests")

    url = f"chdb://{tmp_path / 'warehouse'}"
    job = define_asset_job("scratch_job", [key], hooks=DQ_HOOKS)
    defs = Definitions(assets=[scratch], jobs=[job], resources={"warehouse": WarehouseResource(url=url)})
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("scratch_job").execute_in_process(
            instance=instance, raise_on_error=False
        )
    assert not result.success
    with open_warehouse(warehouse_settings(url)) as w:
        rows = w.dicts(f"select * from {w.db('marts')}.dq_results order by check_name")
    assert [(r["check_name"], r["status"], r["failing_rows"], r["run_id"]) for r in rows] == [
        ("first", "passed", None, result.run_id),
        ("second", "failed", 4, result.run_id),
    ]
    # (not one of our assets: no description to find; ours all have one, see test_check_descriptions.py)
    assert {r["job_name"] for r in rows} == {"scratch_job"}
