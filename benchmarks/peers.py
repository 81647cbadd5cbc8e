"""What `make bench` runs in child processes, so each has a peak RSS of its own.

`python -m benchmarks.peers TASK DATA_DIR [--database FILE]` runs one task and prints one JSON line:
`{"seconds": <the task alone, after imports>, "peak_rss_mb": <this process>, "result": ...}`.

- `generate`: write a sample chain into DATA_DIR (`--seed/--branches/--days/--bookings-per-day`).
- `duckdb-scan`: DuckDB reads each feed's files into tables of `--database` (benchmarks/duckdb_baseline.py).
- `duckdb-reconcile`: the reconciliation in DuckDB SQL over the files; counts per status.
- `pandas-reconcile`: the reconciliation in pandas (benchmarks/pandas_reconciliation.py); counts per status.

Each task imports only what it needs, so a child's peak RSS is that tool's, not the platform's.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from datetime import date
from pathlib import Path


def _generate(args: argparse.Namespace) -> object:
    from sampledata import write_sample

    # the payments' feeds only, the files the DuckDB and pandas peers read: ADT, billing and messaging have
    # throughput rows of their own (HL7 files, MLLP, status webhooks), and their files would have the
    # mymedic run do work the peers don't
    summary = write_sample(
        args.data_dir, seed=args.seed, branches=args.branches, days=args.days,
        start=date.fromisoformat(args.start), bookings_per_branch_day=args.bookings_per_day,
        adt_format="none", messages=False,
    )  # fmt: skip
    return {k: v for k, v in summary.items() if isinstance(v, int | str)}


def _duckdb_scan(args: argparse.Namespace) -> object:
    from benchmarks.duckdb_baseline import scan

    return scan(args.data_dir, args.database)


def _duckdb_reconcile(args: argparse.Namespace) -> object:
    from benchmarks.duckdb_baseline import reconcile

    return reconcile(args.data_dir)


def _pandas_reconcile(args: argparse.Namespace) -> object:
    from benchmarks.pandas_reconciliation import reconcile

    return {str(status): int(n) for status, n in reconcile(args.data_dir).items()}


TASKS = {
    "generate": _generate,
    "duckdb-scan": _duckdb_scan,
    "duckdb-reconcile": _duckdb_reconcile,
    "pandas-reconcile": _pandas_reconcile,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--database", type=Path, default=Path("bench.duckdb"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--branches", type=int, default=10)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--start", default="2026-08-01")
    parser.add_argument("--bookings-per-day", type=int, default=20)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = TASKS[args.task](args)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak, "result": result}), flush=True)


if __name__ == "__main__":
    main()
