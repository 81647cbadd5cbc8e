"""The two-chain serving fixture's data and readers (imported by name, not through `conftest`, whose module
name every test folder shares)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
from support.paths import MYMEDIC

from serving.layout import ServingLayout

# with messaging and claims: test_each_tenant_file_holds_that_tenant_only needs rows of every published
# relation, and ten days give both seeds settled and denied claims (the claim marts' rows)
SAMPLE = {
    "branches": 2,
    "days": 10,
    "start": date(2026, 10, 1),
    "bookings_per_branch_day": 4,
    "claims": True,
}
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
