"""A warehouse built day by day holds the same marts as one built from all the files at once.

The same generated chain is loaded two ways, with the real loader: (a) every file up to the day before the
last, `dbt build`, then the last day's files (and the bank statement re-delivered with its last day) and
`dbt build` again, which runs the incremental models incrementally; (b) all the files, one `dbt build`.
Every mart and every incremental model must then hold the same rows. Between the two builds of (a) the
test also leaves behind what a crashed load and a crashed dbt run leave, which the second build must ignore
or clean up.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from dbt_runner import dbt_failure, run_dbt, run_results

from core.settings import WarehouseSettings, warehouse_settings
from core.warehouse import Warehouse, open_warehouse
from ingestion.data_dir import load_feed
from ingestion.feeds import FEEDS
from ingestion.feeds.booking_events.spec import EVENTS as BOOKING_EVENTS
from sampledata import write_sample

pytestmark = pytest.mark.slow

# payments only: the marts compared here read no ADT, billing or messaging file (loading them cost minutes)
SAMPLE = {"branches": 2, "days": 12, "start": date(2026, 10, 1), "bookings_per_branch_day": 12,
          "adt_format": "none", "messages": False}  # fmt: skip
MARTS = ("fct_payment_reconciliation", "fct_branch_daily_settlements", "dim_branches", "dim_doctors")
INCREMENTAL = ("int_payments__deduplicated",)
# when a row was computed, and when a file was loaded, differ between the two warehouses by nature
BOOKKEEPING = {"batches_committed_through", "version_loaded_at"}
CRASHED_BATCH = "booking_events-crashed-before-its-ledger-row"


def stage(full: Path, out: Path, last_day: date) -> Path:
    """The data directory as it stood on `last_day`: dated event and settlement files up to it, and the
    bank statement with its lines up to it (the bank re-delivers the whole statement every day)."""
    shutil.copytree(full / "reference", out / "reference")
    for folder in ("events", "settlements/razorpay"):
        (out / folder).mkdir(parents=True)
        for path in sorted((full / folder).iterdir()):
            if date.fromisoformat(path.stem) <= last_day:
                shutil.copy2(path, out / folder / path.name)
    (out / "bank").mkdir()
    for path in (full / "bank").iterdir():
        header, *lines = path.read_text().splitlines(keepends=True)
        kept = [line for line in lines if datetime.strptime(line[:10], "%d/%m/%Y").date() <= last_day]
        (out / "bank" / path.name).write_text(header + "".join(kept))
    return out


def load(settings: WarehouseSettings, data_dir: Path) -> None:
    with open_warehouse(settings) as warehouse:  # closed before dbt opens the directory
        for feed in FEEDS:
            load_feed(warehouse, data_dir, feed)


def build(settings: WarehouseSettings, work_dir: Path) -> None:
    # no as_of: the latest date in the data, as in production; the compared marts, their parents and tests
    selected = [f"+{m}" for m in (*MARTS, *INCREMENTAL)]
    result = run_dbt(settings, work_dir, "build", "--select", *selected, "--indirect-selection", "cautious")
    assert result.returncode == 0, dbt_failure(result)
    assert all(s in ("success", "pass", "warn") for s in run_results(work_dir).values())


def leave_crash_debris(warehouse: Warehouse) -> None:
    """What crashes leave: raw rows of a load that died before its ledger row (a capture that would be a
    new payment, and a second capture of an existing order), a delete+insert's staging table and a
    `create or replace view`'s temporary view."""
    raw, intermediate = warehouse.db("raw"), warehouse.db("intermediate")
    event = warehouse.dicts(
        f"select * from `{raw}`.booking_events where event_type = 'payment.deposit.paid' order by event_id limit 1"
    )[0]
    data = json.loads(event["data"])
    names = [*BOOKING_EVENTS.column_names, "_batch_id", "_source_file", "_source_line", "_loaded_at"]
    rows = []
    for line, order_id in enumerate(("order_crashed", data["order_id"]), 1):
        payload = {**data, "payment_id": f"pay_crashed_{line}", "order_id": order_id}
        row = {**event, "event_id": f"evt_crashed_{line}", "data": json.dumps(payload)}
        row |= {"_batch_id": CRASHED_BATCH, "_source_file": "events/crashed.ndjson", "_source_line": line}
        rows.append([row[n] for n in names])
    warehouse.client.insert(f"`{raw}`.booking_events", rows, column_names=names)
    warehouse.command(
        f"create table `{intermediate}`.`int_payments__deduplicated__dbt_new_data_dead_run` "
        "(x UInt8) engine = MergeTree order by x"
    )
    warehouse.command(f"create view `{intermediate}`.`_tmp_replace_0123456789abcdef_1` as select 1 as x")


@pytest.fixture(scope="module")
def warehouses(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[WarehouseSettings, WarehouseSettings]]:
    root = tmp_path_factory.mktemp("dbt_incremental")
    full = root / "data"
    summary = write_sample(full, seed=7, **SAMPLE)
    last_day = date.fromisoformat(summary["as_of"])

    daily = warehouse_settings(f"chdb://{root / 'daily'}")
    load(daily, stage(full, root / "until_yesterday", last_day - timedelta(days=1)))
    build(daily, root / "build_1")
    with open_warehouse(daily) as warehouse:
        leave_crash_debris(warehouse)
    load(daily, full)
    build(daily, root / "build_2")

    once = warehouse_settings(f"chdb://{root / 'once'}")
    load(once, full)
    build(once, root / "build_once")
    yield daily, once


def _rows(settings: WarehouseSettings, database: str, table: str) -> list[tuple]:
    with open_warehouse(settings) as warehouse:
        db = warehouse.db(database)
        columns = [
            name
            for (name,) in warehouse.rows(
                "select name from system.columns where database = {db:String} and table = {t:String} "
                "order by position",
                {"db": db, "t": table},
            )
            if name not in BOOKKEEPING
        ]
        assert columns, f"{db}.{table} has no columns"
        listed = ", ".join(f"`{c}`" for c in columns)
        return warehouse.rows(f"select {listed} from `{db}`.`{table}` order by {listed}")


@pytest.mark.parametrize(
    ("database", "table"), [("marts", m) for m in MARTS] + [("intermediate", m) for m in INCREMENTAL]
)
def test_day_by_day_equals_all_at_once(
    warehouses: tuple[WarehouseSettings, WarehouseSettings], database: str, table: str
) -> None:
    daily, once = warehouses
    expected = _rows(once, database, table)
    assert expected, f"{table} is empty: the comparison would prove nothing"
    got = _rows(daily, database, table)
    assert len(got) == len(expected)
    assert got == expected


def test_the_second_day_ran_incrementally(warehouses: tuple[WarehouseSettings, WarehouseSettings]) -> None:
    daily, _ = warehouses
    with open_warehouse(daily) as warehouse:
        for table in INCREMENTAL:
            # two distinct commit marks: the rows of day one were not all rewritten on day two
            marks = warehouse.scalar(
                f"select uniqExact(batches_committed_through) from `{warehouse.db('intermediate')}`.`{table}`"
            )
            assert marks == 2, table


def test_a_crashed_load_is_invisible_and_crash_debris_is_gone(
    warehouses: tuple[WarehouseSettings, WarehouseSettings],
) -> None:
    daily, _ = warehouses
    with open_warehouse(daily) as warehouse:
        assert (
            warehouse.scalar(
                f"select count() from `{warehouse.db('raw')}`.booking_events where _batch_id = '{CRASHED_BATCH}'"
            )
            == 2
        )  # still in the raw table, but no model reads it
        marts = warehouse.db("marts")
        assert (
            warehouse.scalar(
                f"select count() from `{marts}`.fct_payment_reconciliation where payment_id like 'pay_crashed%'"
            )
            == 0
        )
        leftovers = warehouse.rows(
            "select database, name from system.tables where name like '%__dbt_new_data%' "
            "or name like '\\_tmp\\_replace\\_%' or name like '%__dbt_backup' or name like '%__dbt_tmp'"
        )
        assert leftovers == []
