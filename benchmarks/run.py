"""`make bench`: the pipeline at scale, with figures printed (never asserted).

Generates a chain with at least --payments captured payments, then measures: load rows/s per feed, dbt
build seconds, export seconds, peak RSS (this process, and the dbt subprocess); then the same
reconciliation in plain pandas on the same files, and the time ratio.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import time
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.pandas_reconciliation import reconcile
from core.settings import DBT_PROJECT_DIR, warehouse_settings
from core.warehouse import open_warehouse
from core.warehouse.dbt_env import dbt_env, dbt_executable, dbt_vars
from exports import write_finance_exports
from ingestion.data_dir import load_feed
from ingestion.feeds import FEEDS
from sampledata import write_sample


class Figures(list):
    """Figures, each printed as soon as it is measured (a long run that dies still shows what it had)."""

    def append(self, item: tuple[str, str]) -> None:
        console.print(f"{item[0]}: {item[1]}")
        super().append(item)


PAYMENTS_PER_BOOKING = 1.5  # deposit always, balance when completed (measured on the generator's defaults)
console = Console()


def peak_rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--branches", type=int, default=10)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--workdir", type=Path, default=Path(".mymedic/bench"))
    parser.add_argument("--data", type=Path, help="use this generated data directory instead of generating")
    args = parser.parse_args()

    per_day = max(1, round(args.payments / PAYMENTS_PER_BOOKING / (args.branches * args.days)))
    shutil.rmtree(args.workdir, ignore_errors=True)
    data, exports = args.data or args.workdir / "data", args.workdir / "exports"
    settings = warehouse_settings(f"chdb://{(args.workdir / 'warehouse').resolve()}")
    figures = Figures()

    if not args.data:
        started = time.perf_counter()
        summary = write_sample(data, seed=7, branches=args.branches, days=args.days, start=date(2026, 8, 1),
                               bookings_per_branch_day=per_day)  # fmt: skip
        keep = ("events", "payments", "refunds", "settlement_lines")
        figures.append(
            (
                "generate",
                f"{time.perf_counter() - started:.1f} s: " + ", ".join(f"{summary[k]:,} {k}" for k in keep),
            )
        )

    platform_seconds = 0.0
    with open_warehouse(settings) as w:
        for feed in FEEDS:
            started = time.perf_counter()
            results = load_feed(w, data, feed)
            seconds = time.perf_counter() - started
            platform_seconds += seconds
            rows = sum(r.rows_read for r in results)
            figures.append(
                (f"load {feed.name}", f"{rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s")
            )

    started = time.perf_counter()
    subprocess.run(
        [dbt_executable(), "build", "--quiet", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
         str(DBT_PROJECT_DIR), "--vars", dbt_vars(None), "--target-path", str((args.workdir / "dbt").resolve())],
        check=True, env={**os.environ, **dbt_env(settings)},
    )  # fmt: skip
    seconds = time.perf_counter() - started
    platform_seconds += seconds
    figures.append(("dbt build", f"{seconds:.1f} s"))

    started = time.perf_counter()
    with open_warehouse(settings) as w:
        paths = write_finance_exports(w, exports)
        mart_rows = w.scalar(f"select count() from `{w.db('marts')}`.fct_payment_reconciliation")
    figures.append(
        (
            "exports",
            f"{time.perf_counter() - started:.1f} s for {mart_rows:,} rows: {', '.join(map(str, paths))}",
        )
    )

    started = time.perf_counter()
    counts = reconcile(data)
    pandas_seconds = time.perf_counter() - started
    figures.append(("pandas reconciliation", f"{pandas_seconds:.1f} s ({int(counts.sum()):,} rows)"))
    figures.append(("platform (load + dbt) / pandas", f"{platform_seconds / pandas_seconds:.2f}x"))
    figures.append(("peak RSS, this process", f"{peak_rss_mb(resource.RUSAGE_SELF):,.0f} MB"))
    figures.append(("peak RSS, largest child (dbt)", f"{peak_rss_mb(resource.RUSAGE_CHILDREN):,.0f} MB"))

    table = Table(title=f"MyMedic benchmark, {os.cpu_count()} cores")
    table.add_column("what")
    table.add_column("figure")
    for what, figure in figures:
        table.add_row(what, figure)
    console.print(table)


if __name__ == "__main__":
    main()
