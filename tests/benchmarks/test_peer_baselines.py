"""Smoke test of `make bench`'s peers on a tiny chain: DuckDB scans and the DuckDB and pandas reconciliations
see every row the files hold, and the held-back day goes out and back whole. No timing is asserted."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from benchmarks import duckdb_baseline, held_back
from benchmarks.pandas_reconciliation import reconcile as pandas_reconcile
from sampledata import write_sample


def data_lines(paths: list[Path], *, header: bool) -> int:
    """Non-blank lines of the files, less a header line each when they have one."""
    total = 0
    for path in paths:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        total += len(lines) - (1 if header and lines else 0)
    return total


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("chain")
    write_sample(out, seed=3, branches=2, days=5, start=date(2026, 8, 1), bookings_per_branch_day=12)
    return out


def test_duckdb_scans_read_every_line_of_each_feed(chain: Path, tmp_path: Path) -> None:
    figures = duckdb_baseline.scan(chain, tmp_path / "scan.duckdb")

    assert figures["booking_events"]["rows"] == data_lines(
        sorted(chain.glob("events/*.ndjson")), header=False
    )
    assert figures["razorpay_settlements"]["rows"] == data_lines(
        sorted(chain.glob("settlements/razorpay/*.csv")), header=True
    )
    assert figures["bank_statements"]["rows"] == data_lines(sorted(chain.glob("bank/*.csv")), header=True)
    assert figures["reference"]["rows"] == data_lines(sorted(chain.glob("reference/*.csv")), header=True)
    assert all(f["rows"] > 0 and f["seconds"] >= 0 for f in figures.values())


def test_both_reconciliations_give_the_generators_statuses(chain: Path) -> None:
    truth = json.loads((chain / "ground_truth.json").read_text())
    expected = dict(Counter(truth["expected_statuses"].values()))

    assert duckdb_baseline.reconcile(chain) == expected
    assert {str(k): int(v) for k, v in pandas_reconcile(chain).items()} == expected


def test_held_back_day_leaves_and_returns_whole(chain: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    held_back.link_copy(chain, copy)
    before = duckdb_baseline.scan(copy, tmp_path / "before.duckdb")

    held = held_back.hold_back(copy, tmp_path / "held")
    during = duckdb_baseline.scan(copy, tmp_path / "during.duckdb")
    assert held.day == date(2026, 8, 5)
    assert not list(copy.glob("events/2026-08-05.*"))
    assert not list(copy.glob("settlements/razorpay/2026-08-05.*"))
    assert "05/08/2026" not in (copy / next(copy.glob("bank/*.csv")).relative_to(copy)).read_text()
    moved = sum(before[f]["rows"] - during[f]["rows"] for f in before)
    assert moved == held.lines > 0

    held.put_back()
    after = duckdb_baseline.scan(copy, tmp_path / "after.duckdb")
    assert {f: v["rows"] for f, v in after.items()} == {f: v["rows"] for f, v in before.items()}
    assert len(list(copy.glob("bank/*.csv"))) == 2  # the statement, and the day's own statement file
    # the original chain is untouched: its statement still has the held-back day
    assert "05/08/2026" in next(chain.glob("bank/*.csv")).read_text()


@pytest.mark.slow
def test_make_bench_runs_whole_on_a_tiny_chain(tmp_path: Path) -> None:
    """`make bench` end to end at a tiny scale (the real command, in a child process): every step runs and
    the table is written, so a change elsewhere can't leave the benchmark broken until someone runs it."""
    import subprocess
    import sys

    workdir = tmp_path / "bench"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--payments", "300", "--branches", "1", "--days", "3",
         "--workdir", str(workdir), "--api-seconds", "2", "--api-clients", "2", "--hl7-messages", "200"],
        capture_output=True, text=True, timeout=600, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    table = (workdir / "bench.md").read_text()
    assert "second-day run / first run" in table and "ROW COUNTS DIFFER" not in table
    assert "PDF branch statements" in table and "bundle finance_monthly" in table
    assert " 0 pages" not in table
    [hl7] = [line for line in table.splitlines() if line.startswith("| HL7 v2 ADT files: parse + load")]
    assert "200 messages" in hl7 and "(200 loaded, 0 quarantined)" in hl7
    [api] = [line for line in table.splitlines() if line.startswith("| metrics API on loopback")]
    assert "requests/s" in api and "p99" in api and " 0 errors of " in api and " 0 errors of 0 " not in api
