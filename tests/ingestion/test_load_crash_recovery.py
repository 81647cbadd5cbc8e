"""A load that dies at any point of a file leaves a warehouse where the next run equals a clean run.

A child process loads a data directory and dies with os._exit at one of the loader's checkpoints; then the
parent loads the same directory again and compares every raw table, the quarantine and the ledger with a
clean load of the same files in another warehouse.
"""

from __future__ import annotations

import multiprocessing
import os
from datetime import date
from pathlib import Path

import pytest

from core.settings import warehouse_settings
from core.warehouse import open_warehouse
from ingestion.data_dir import load_feed
from ingestion.feeds import FEEDS
from ingestion.loader import CHECKPOINTS, load_file
from ingestion.tables import RAW_TABLES
from sampledata import write_sample


def _load_all(url: str, data: Path, die_at: str = "", die_on_file: int = 0) -> None:
    import ingestion.data_dir as data_dir

    seen = {"files": 0}

    def checkpoint(name: str) -> None:
        if name == die_at and seen["files"] == die_on_file:
            os._exit(137)

    def counting_load(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen["files"] += 1
        return load_file(*args, checkpoint=checkpoint, **kwargs)

    data_dir.load_file = counting_load  # this child process only
    with open_warehouse(warehouse_settings(url)) as w:
        for feed in FEEDS:
            load_feed(w, data, feed)


def snapshot(url: str) -> dict[str, list[tuple]]:
    out = {}
    with open_warehouse(warehouse_settings(url)) as w:
        for table in RAW_TABLES:
            cols = [
                c.name
                for c in table.stored_columns
                if c.name not in ("_loaded_at", "_quarantined_at", "started_at", "finished_at")
            ]
            out[table.name] = w.rows(f"select {', '.join(cols)} from raw.`{table.name}` order by all")
        out["leftover tables"] = w.rows(
            "select name from system.tables where database = 'raw' and name like '\\_load\\_%'"
        )
    return out


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("data")
    write_sample(out, seed=11, branches=1, days=4, start=date(2026, 10, 1), bookings_per_branch_day=4)
    return out


@pytest.fixture(scope="module")
def clean(data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    url = f"chdb://{tmp_path_factory.mktemp('clean')}"
    run(url, data)
    return snapshot(url)


def run(url: str, data: Path, die_at: str = "", die_on_file: int = 0) -> int:
    ctx = multiprocessing.get_context("spawn")  # chDB holds its data directory per process
    child = ctx.Process(target=_load_all, args=(url, data, die_at, die_on_file))
    child.start()
    child.join(300)
    return child.exitcode if child.exitcode is not None else -1


@pytest.mark.parametrize("die_at", CHECKPOINTS)
def test_a_crash_at_each_checkpoint_recovers_to_a_clean_run(
    die_at: str, data: Path, clean: dict[str, list[tuple]], tmp_path: Path
) -> None:
    url = f"chdb://{tmp_path / 'wh'}"
    # die in the middle of the data directory: the 4th file (events, after the three reference files)
    assert run(url, data, die_at=die_at, die_on_file=4) == 137
    assert run(url, data) == 0
    assert snapshot(url) == clean
    assert clean["leftover tables"] == []
    assert len(clean["load_ledger"]) > 4
