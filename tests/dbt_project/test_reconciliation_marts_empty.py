"""`dbt build` on empty raw tables and without an as_of var: every model and test still passes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from dbt_runner import dbt_failure, run_dbt, run_results
from dbt_scenario import commit

from core.settings import WarehouseSettings, warehouse_settings
from core.warehouse import open_warehouse
from ingestion.feeds.bank_statements.spec import LINES as BANK_STATEMENT_LINES
from ingestion.feeds.booking_events.spec import EVENTS as BOOKING_EVENTS
from ingestion.tables import create_raw_tables


@pytest.fixture(scope="module")
def built_empty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WarehouseSettings, Path]]:
    root = tmp_path_factory.mktemp("dbt_empty")
    settings = warehouse_settings(f"chdb://{root / 'warehouse'}")
    with open_warehouse(settings) as warehouse:
        create_raw_tables(warehouse)
    result = run_dbt(settings, root, "build")  # no --vars: as_of falls back to the data, then today
    assert result.returncode == 0, dbt_failure(result)
    yield settings, root


def test_empty_build_passes_and_marts_are_empty(built_empty: tuple[WarehouseSettings, Path]) -> None:
    settings, root = built_empty
    statuses = run_results(root)
    assert statuses and all(status in ("success", "pass") for status in statuses.values()), statuses
    with open_warehouse(settings) as warehouse:
        marts = warehouse.db("marts")
        for table in ("fct_payment_reconciliation", "fct_branch_daily_settlements", "dim_branches"):
            assert warehouse.scalar(f"select count() from {marts}.{table}") == 0, table


def test_as_of_without_var_is_the_latest_ist_date_in_the_data(
    built_empty: tuple[WarehouseSettings, Path],
) -> None:
    settings, _ = built_empty
    with open_warehouse(settings) as warehouse:
        view = f"{warehouse.db('intermediate')}.int_as_of_date__resolved"
        today_ist = warehouse.scalar("select toDate(now(), 'Asia/Kolkata')")
        assert warehouse.dicts(f"select * from {view}") == [
            {"as_of_date": today_ist, "as_of_source": "today", "latest_data_date": None}
        ]

        # the view reads the raw tables when queried: load an event and a bank line, ask again
        warehouse.client.insert(
            f"{warehouse.db('raw')}.{BOOKING_EVENTS.name}",
            [["evt_1", "1.0", "appointment.completed", "mymedic/booking/B1", "bk_1",
              datetime(2026, 10, 29, 19, 0, tzinfo=UTC), "application/json", "t", "B1",
              json.dumps({"booking_id": "bk_1"}), "batch_late"]],
            column_names=[*BOOKING_EVENTS.column_names, "_batch_id"],
        )  # fmt: skip
        warehouse.client.insert(
            f"{warehouse.db('raw')}.{BANK_STATEMENT_LINES.name}",
            [["t", "bank", date(2026, 10, 12), date(2026, 10, 12), "NEFT", "", 0, 100, 100, "batch_late"]],
            column_names=[*BANK_STATEMENT_LINES.column_names, "_batch_id"],
        )
        # rows of a load whose ledger row is not written yet (or never will be: it crashed) are not read
        assert warehouse.dicts(f"select * from {view}") == [
            {"as_of_date": today_ist, "as_of_source": "today", "latest_data_date": None}
        ]
        commit(warehouse, "batch_late", "booking_events", 2)
        # 19:00 UTC on 29 Oct is 30 Oct in IST
        assert warehouse.dicts(f"select * from {view}") == [
            {"as_of_date": date(2026, 10, 30), "as_of_source": "data", "latest_data_date": date(2026, 10, 30)}
        ]
