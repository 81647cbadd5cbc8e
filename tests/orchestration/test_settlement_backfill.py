"""Settlement days as Dagster partitions: a month's backfill is one run over a local server speaking Razorpay's
API, pulling each day once and loading it into a real chDB warehouse; running it again adds nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from dagster import (
    DagsterInstance,
    Definitions,
    RunsFilter,
    define_asset_job,
    partition_loading_context,
)
from support.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay, recon_item, serve

from core.settings import (
    RAZORPAY_API_URL_ENV,
    RAZORPAY_KEY_ID_ENV,
    RAZORPAY_KEY_SECRET_ENV,
    WAREHOUSE_ENV,
    warehouse_settings,
)
from core.warehouse import open_warehouse
from mymedic.pipeline import RANGE_END_TAG, RANGE_START_TAG, run_settlement_backfill
from orchestration.gateway_assets import (
    REFETCH_DAYS,
    SETTLEMENT_DAYS,
    SETTLEMENT_RECON_KEY,
    razorpay_settlement_recon,
)
from orchestration.instance import run_history
from orchestration.resources import PipelineSettings, razorpay_resource
from orchestration.schedules import pull_run_config

TENANT = "t_backfill"
FEBRUARY = [date(2025, 2, 1) + timedelta(days=n) for n in range(28)]
SETTLED = {  # the days Razorpay settled anything; the rest answer an empty collection
    date(2025, 2, 3): 3,
    date(2025, 2, 14): 2,
    date(2025, 2, 28): 1,
}


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRazorpay]:
    recon = {
        day: [recon_item(f"pay_B{day:%m%d}{n}", day, amount=10000 + n) for n in range(count)]
        for day, count in SETTLED.items()
    }
    with serve(FakeRazorpay(recon=recon)) as running:
        monkeypatch.setenv(RAZORPAY_KEY_ID_ENV, KEY_ID)
        monkeypatch.setenv(RAZORPAY_KEY_SECRET_ENV, KEY_SECRET)
        monkeypatch.setenv(RAZORPAY_API_URL_ENV, running.url)
        yield running


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warehouse_dir: Path) -> Path:
    monkeypatch.chdir(tmp_path)  # run logs under .mymedic/logs here
    monkeypatch.setenv(WAREHOUSE_ENV, f"chdb://{warehouse_dir}")
    (tmp_path / "data" / "reference").mkdir(parents=True)
    (tmp_path / "data" / "reference" / "branches.csv").write_text(
        f"tenant_id,branch_id,branch_name,city,state\n{TENANT},BLR01,Indiranagar,Bengaluru,Karnataka\n"
    )
    return tmp_path / "data"


def days_asked(gateway: FakeRazorpay) -> list[date]:
    return [date(int(r.query["year"]), int(r.query["month"]), int(r.query["day"])) for r in gateway.requests]


def loaded_lines(warehouse_dir: Path) -> list[tuple[str, str]]:
    # opened after the run closed it (chDB: one holder at a time)
    with open_warehouse(warehouse_settings(f"chdb://{warehouse_dir}")) as w:
        return w.rows(
            "select entity_id, _source_file from raw.razorpay_settlement_lines "
            f"where tenant_id = '{TENANT}' order by entity_id"
        )


def test_a_months_backfill_is_one_run_pulling_each_day_once_and_again_adds_nothing(
    gateway: FakeRazorpay, data: Path, warehouse_dir: Path
) -> None:
    report = run_settlement_backfill(data, "2025-02-01", "2025-02-28")

    assert report.success, report.errors
    assert days_asked(gateway) == FEBRUARY  # each day once, in order, one page each (all under 1000)
    assert report.days == [d.isoformat() for d in FEBRUARY] and report.lines == 6
    assert sorted(Path(p).name for p in report.files_written) == [f"{d}-p001.json" for d in FEBRUARY]
    assert (report.loaded["rows_loaded"], report.loaded["rows_quarantined"]) == (6, 0)
    lines = loaded_lines(warehouse_dir)
    assert [entity for entity, _ in lines] == [
        "pay_B02030", "pay_B02031", "pay_B02032", "pay_B02140", "pay_B02141", "pay_B02280"
    ]  # fmt: skip
    assert lines[0][1] == "settlements/razorpay/api/2025-02-03-p001.json"

    with run_history() as instance:  # one run, over the month's partitions, in the persistent history
        run = instance.get_run_by_id(report.run_id)
        assert run is not None and run.job_name == "backfill_razorpay_settlements"
        assert (run.tags[RANGE_START_TAG], run.tags[RANGE_END_TAG]) == (
            "2025-02-01",
            "2025-02-28",
        )
        assert instance.get_materialized_partitions(SETTLEMENT_RECON_KEY) >= {d.isoformat() for d in FEBRUARY}

    # The same month again: every day asked once more, the same answers, so no file and no row is added.
    gateway.requests.clear()
    again = run_settlement_backfill(data, "2025-02-01", "2025-02-28")
    assert again.success, again.errors
    assert days_asked(gateway) == FEBRUARY
    assert again.files_written == []
    assert again.loaded["files_already_loaded"] == again.loaded["files"] == 28
    assert again.loaded["rows_loaded"] == again.loaded["rows_read"] == 0
    assert loaded_lines(warehouse_dir) == lines
    with run_history() as instance:
        runs = instance.get_runs(RunsFilter(job_name="backfill_razorpay_settlements"))
        assert {r.run_id for r in runs} >= {report.run_id, again.run_id}


def test_a_failing_day_fails_the_run_in_one_line_and_keeps_the_days_before_it(
    gateway: FakeRazorpay, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(RAZORPAY_KEY_SECRET_ENV, "Wr0ng-Backfill-Secret")
    report = run_settlement_backfill(data, "2025-02-01", "2025-02-03")
    assert not report.success
    [error] = report.errors
    assert error.startswith("gateway__razorpay_settlement_recon: ") and "answered 401" in error
    assert "Wr0ng-Backfill-Secret" not in error and "\n" not in error


def test_settlement_days_are_ist_days_and_the_latest_is_yesterday() -> None:
    assert SETTLEMENT_DAYS.timezone == "Asia/Kolkata"
    # 23:59 IST on 12 Oct (18:29 UTC): the 12th has not ended, the latest day is the 11th; a minute later it is
    # the 12th (a UTC day would say the 11th until 05:30 IST on the 13th).
    before = datetime(2026, 10, 12, 18, 29, tzinfo=UTC)
    after = datetime(2026, 10, 12, 18, 31, tzinfo=UTC)
    with partition_loading_context(effective_dt=before):
        assert SETTLEMENT_DAYS.get_last_partition_key() == "2026-10-11"
    with partition_loading_context(effective_dt=after):
        assert SETTLEMENT_DAYS.get_last_partition_key() == "2026-10-12"
    assert SETTLEMENT_DAYS.get_first_partition_key() == "2024-01-01"


def test_the_schedules_run_fetches_its_day_and_the_days_before_it_again(
    gateway: FakeRazorpay, data: Path
) -> None:
    """What `razorpay_daily_pull` asks for (its partition, `refetch_days: 3`) as the pull step runs it."""
    job = define_asset_job("recon_only", selection=[SETTLEMENT_RECON_KEY])
    defs = Definitions(
        assets=[razorpay_settlement_recon],
        jobs=[job],
        resources={"razorpay": razorpay_resource(), "pipeline": PipelineSettings(data_dir=str(data))},
    )
    result = defs.resolve_job_def("recon_only").execute_in_process(
        partition_key="2025-02-14",
        run_config=pull_run_config(REFETCH_DAYS),
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    assert days_asked(gateway) == [date(2025, 2, d) for d in (11, 12, 13, 14)]
