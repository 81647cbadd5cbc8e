"""One warehouse holding two chains, built by two real `mymedic run`s, with a reader watching the serving
copy from this process while the second run goes on (chDB is only ever open in one process at a time)."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pytest
from support.paths import MYMEDIC

from core.settings import SERVING_ENV, WAREHOUSE_ENV
from sampledata import write_sample
from serving.layout import ServingLayout

SAMPLE = {"branches": 2, "days": 5, "start": date(2026, 10, 1), "bookings_per_branch_day": 8}
TENANTS = {"tnt_arogya": 42, "tnt_sanjivani": 7}


@dataclass(frozen=True)
class Snapshot:
    """What one read of the published copy saw: its version and each relation's stated and real rows."""

    version: str
    tenants: frozenset[str]
    stated: dict[str, int]
    counted: dict[str, int]


@dataclass
class Chains:
    root: Path
    url: str
    layout: ServingLayout
    first_stdout: str
    first: Snapshot
    during: list[Snapshot] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    final: Snapshot | None = None


def read_snapshot(path: Path) -> Snapshot:
    with duckdb.connect(str(path), read_only=True) as con:
        [(version,)] = con.execute("select version from serving.publication").fetchall()
        stated = dict(con.execute("select relation, row_count from serving.relations").fetchall())
        counted = {r: con.execute(f"select count(*) from {r}").fetchone()[0] for r in stated}
        tenants = {
            t
            for (t,) in con.execute(
                "select distinct tenant_id from marts.fct_payment_reconciliation"
            ).fetchall()
        }
    return Snapshot(version, frozenset(tenants), stated, counted)


def mymedic_run(data: Path, root: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [MYMEDIC, "run", "--data", str(data), "--exports", str(root / "exports")],
        env=env,
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture(scope="module")
def chains(tmp_path_factory: pytest.TempPathFactory) -> Chains:
    root = tmp_path_factory.mktemp("chains")
    url = f"chdb://{root / 'warehouse'}"
    layout = ServingLayout(root / "serving")
    env = {**os.environ, WAREHOUSE_ENV: url, SERVING_ENV: str(layout.root)}
    for tenant, seed in TENANTS.items():
        write_sample(root / tenant, seed=seed, tenant=tenant, **SAMPLE)
    first = mymedic_run(root / "tnt_arogya", root, env)
    out, _ = first.communicate(timeout=600)
    assert first.returncode == 0, out[-3000:]
    result = Chains(root, url, layout, out, read_snapshot(layout.duckdb_path))

    second = mymedic_run(root / "tnt_sanjivani", root, env)
    while second.poll() is None:  # a second process reading the copy while the run goes on
        try:
            result.during.append(read_snapshot(layout.duckdb_path))
        except duckdb.Error as error:
            result.errors.append(str(error))
        time.sleep(0.2)
    out, _ = second.communicate()
    assert second.returncode == 0, out[-3000:]
    result.final = read_snapshot(layout.duckdb_path)
    return result
