"""`make bench`: the platform against its peers on the same files, with figures printed (never asserted).

Generates a chain of --days days plus one more (at least --payments captured payments in the --days), holds
that extra day back (benchmarks/held_back.py) and measures, on the same files:

- peers, each in a child process of its own: DuckDB reading each feed's files into tables (read_csv,
  read_ndjson), the reconciliation in DuckDB SQL, and the reconciliation in pandas;
- the platform, first run: load rows/s per feed (`ingestion.data_dir.load_feed`), dbt build (a subprocess),
  the finance exports as shipped (`exports.write_finance_exports`: CSV and XLSX in one pass), and the CSV
  export alone (the exports' own mart reader and CSV writer, timed apart); XLSX seconds are derived as the
  shipped call minus the CSV writing;
- the platform, second-day run: the held-back day put back, then load + dbt + exports again, as a share
  of the first run;
- the serving copy published from the second day's marts, and the metrics API over it on loopback
  (requests/s, p50 and p99 latency; benchmarks/metrics_api_load.py);
- HL7 v2 ADT files: synthetic messages parsed and loaded through the real loader, msgs/s
  (benchmarks/hl7_load.py);
- the HL7 v2 MLLP listener: its own process, 128 local python-hl7 senders, msgs/s with each AA after a
  durable write (benchmarks/mllp_listener.py);
- peak RSS of every process (this one: chDB loads and the exports; each child's from wait4).

Every figure is printed as soon as it is measured; at the end, tables of figures and of targets (met or
missed), also written as Markdown to <workdir>/bench.md. `--data DIR` reuses a generated data directory
(its newest day is held back; the directory itself is never changed: the bench works on a linked copy).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psutil
from rich.console import Console
from rich.table import Table

from benchmarks import hl7_load, mllp_listener
from benchmarks.held_back import hold_back, link_copy, newest_day
from core.settings import DBT_PROJECT_DIR, WarehouseSettings, warehouse_settings
from core.warehouse import Warehouse, open_warehouse
from core.warehouse.dbt_env import dbt_env, dbt_executable, dbt_vars
from exports import write_finance_exports
from exports.as_of_date import latest_data_date
from exports.csv_table import CsvTable
from exports.mart_reader import MartReader
from ingestion.data_dir import load_feed
from ingestion.feeds import FEEDS

PAYMENTS_PER_BOOKING = 1.5  # deposit always, balance when completed (measured on the generator's defaults)
START = date(2026, 8, 1)
REPO = Path(__file__).resolve().parent.parent
MB_PER_GB = 1024
console = Console(width=None if sys.stdout.isatty() else 160)  # logs keep whole lines


class Figures(list):
    """Figures, each printed as soon as it is measured (a long run that dies still shows what it had)."""

    def append(self, item: tuple[str, str]) -> None:
        console.print(f"{item[0]}: {item[1]}")
        console.file.flush()  # seen at once even when stdout is a pipe or a file
        super().append(item)

    def add(self, what: str, figure: str) -> None:
        self.append((what, figure))


@dataclass(frozen=True)
class Target:
    what: str
    limit: str
    measured: str
    met: bool | None  # None: not measured


@dataclass(frozen=True)
class Child:
    """A finished child process: its JSON answer (peers), its wall seconds and its peak RSS (wait4)."""

    answer: dict[str, Any]
    wall_seconds: float
    peak_rss_mb: float

    @property
    def seconds(self) -> float:
        """The task's own seconds when the child reported them (after its imports), else wall seconds."""
        return float(self.answer.get("seconds", self.wall_seconds))


def run_child(argv: Sequence[str], *, env: dict[str, str] | None = None, answers: bool = False) -> Child:
    """Run a process to its end; its peak RSS (and its children's) comes from wait4, which reaps it."""
    started = time.perf_counter()
    proc = subprocess.Popen(list(argv), env=env, stdout=subprocess.PIPE if answers else None)
    out = b""
    if proc.stdout is not None:
        with proc.stdout:
            out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, list(argv), out)
    answer = json.loads(out.decode().strip().splitlines()[-1]) if answers else {}
    return Child(answer, seconds, usage.ru_maxrss / 1024)


def peer(task: str, data: Path, *extra: str) -> Child:
    """Run a task of benchmarks/peers.py in a child process (found from any working directory)."""
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    argv = [sys.executable, "-m", "benchmarks.peers", task, str(data), *extra]
    return run_child(argv, env={**os.environ, "PYTHONPATH": path}, answers=True)


def rate(rows: int, seconds: float) -> str:
    return f"{rows:,} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s" if seconds else f"{rows:,} rows"


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("inf")


@dataclass
class PlatformRun:
    load_seconds: dict[str, float]
    rows_read: dict[str, int]
    rows_loaded: dict[str, int]
    dbt_seconds: float
    dbt_peak_mb: float
    exports_seconds: float

    @property
    def seconds(self) -> float:
        return sum(self.load_seconds.values()) + self.dbt_seconds + self.exports_seconds

    def breakdown(self) -> str:
        load = sum(self.load_seconds.values())
        return f"{self.seconds:.1f} s ({load:.1f} + {self.dbt_seconds:.1f} + {self.exports_seconds:.1f} s)"


def load_all(settings: WarehouseSettings, data: Path, figures: Figures, label: str) -> PlatformRun:
    run = PlatformRun({}, {}, {}, 0.0, 0.0, 0.0)
    with open_warehouse(settings) as w:
        for feed in FEEDS:
            started = time.perf_counter()
            results = load_feed(w, data, feed)
            run.load_seconds[feed.name] = seconds = time.perf_counter() - started
            run.rows_read[feed.name] = rows = sum(r.rows_read for r in results)
            run.rows_loaded[feed.name] = loaded = sum(r.rows_loaded for r in results)
            skipped = sum(r.status == "already_loaded" for r in results)
            note = f" ({loaded:,} loaded; {skipped} of {len(results)} files loaded before)" if skipped else ""
            figures.add(f"{label}: load {feed.name}", rate(rows, seconds) + note)
    return run


def dbt_build(
    settings: WarehouseSettings, workdir: Path, run: PlatformRun, figures: Figures, label: str
) -> None:
    child = run_child(
        [dbt_executable(), "build", "--quiet", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
         str(DBT_PROJECT_DIR), "--vars", dbt_vars(None), "--target-path", str((workdir / "dbt").resolve())],
        env={**os.environ, **dbt_env(settings)},
    )  # fmt: skip
    run.dbt_seconds, run.dbt_peak_mb = child.wall_seconds, child.peak_rss_mb
    figures.add(f"{label}: dbt build", f"{child.wall_seconds:.1f} s, peak RSS {child.peak_rss_mb:,.0f} MB")


def shipped_exports(
    settings: WarehouseSettings, exports: Path, run: PlatformRun, figures: Figures, label: str
) -> int:
    started = time.perf_counter()
    with open_warehouse(settings) as w:
        write_finance_exports(w, exports)
        run.exports_seconds = time.perf_counter() - started
        mart_rows = int(w.scalar(f"select count() from `{w.db('marts')}`.fct_payment_reconciliation"))
    figures.add(
        f"{label}: exports, CSV + XLSX (write_finance_exports)",
        f"{run.exports_seconds:.1f} s for {mart_rows:,} rows",
    )
    return mart_rows


def pdf_and_bundle(settings: WarehouseSettings, workdir: Path, figures: Figures, label: str) -> None:
    """The branch statements of the data's latest month (PDF) and the sample bundle (exports/bundles/
    finance_monthly.yaml) for the data's latest day, signed with a benchmark key. A month at 1M payments
    does not fit: the bundle writers hold a period's rows and FHIR resources in memory (over 12 GB after
    four minutes for a 550k-row month), so the day is what is measured until they stream."""
    from core.settings import ExportSecrets
    from exports.framework.bundle import produce_bundle
    from exports.framework.period import parse_period
    from exports.framework.spec import load_spec
    from exports.pdf.branch_statement import write_branch_statements

    generated_at = datetime.now(UTC)
    with open_warehouse(settings) as w:
        day = latest_data_date(w)
        month = day.replace(day=1)
        started = time.perf_counter()
        paths = write_branch_statements(
            w, workdir / "pdf", month, export_id=f"bench-{month:%Y-%m}", generated_at=generated_at
        )
        pdf_seconds = time.perf_counter() - started
        pages = sum(pdf_pages(p) for p in paths)
        figures.add(
            f"{label}: PDF branch statements, {month:%Y-%m}",
            f"{len(paths)} statements, {pages:,} pages in {pdf_seconds:.1f} s",
        )
        secrets = ExportSecrets.resolve("benchmark-signing-key-0000", "benchmark-salt-secret-0000")
        started = time.perf_counter()
        produced = produce_bundle(
            w, load_spec("finance_monthly"), parse_period(day.isoformat()), workdir / "bundles",
            secrets=secrets, generated_at=generated_at, actor="make bench",
        )  # fmt: skip
        figures.add(
            f"{label}: bundle finance_monthly, one day ({day})",
            f"{time.perf_counter() - started:.1f} s, {produced.path.stat().st_size / 1e6:,.1f} MB zip",
        )


def metrics_api(
    settings: WarehouseSettings, workdir: Path, figures: Figures, *, seconds: float, clients: int
) -> None:
    """Publish the serving copy (what every run ends with), then load the metrics API over it: a real
    uvicorn in a child process and `clients` load clients on loopback (benchmarks/metrics_api_load.py)."""
    from benchmarks.metrics_api_load import measure
    from serving.bi_views import create_bi_views
    from serving.layout import ServingLayout
    from serving.publish import publish_marts

    layout = ServingLayout(workdir / "serving")
    started = time.perf_counter()
    with open_warehouse(settings) as w:
        create_bi_views(w)
        published = publish_marts(w, layout)
    figures.add("serving copy publish (DuckDB + Parquet)", f"{time.perf_counter() - started:.1f} s")
    api = measure(layout.root, published.tenants[0], seconds=seconds, concurrency=clients)
    figures.add("metrics API on loopback (uvicorn, 1 worker)", api.text())


def pdf_pages(path: Path) -> int:
    """Pages of a PDF as poppler's `pdfinfo` reads them (0 where poppler is not installed)."""
    if shutil.which("pdfinfo") is None:
        return 0
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=False).stdout
    return next((int(line.split()[-1]) for line in info.splitlines() if line.startswith("Pages:")), 0)


def csv_export_alone(w: Warehouse, path: Path) -> tuple[float, float]:
    """The CSV export on its own, with the exports' own reader and writer: (reading seconds, writing seconds)."""
    reader = MartReader(w)
    read = write = 0.0
    started = time.perf_counter()
    columns = reader.columns()
    exported = reader.export_columns(columns)
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        CsvTable(path, [c.name for c in exported]) as table,
        closing(reader.row_blocks(columns, exported)) as blocks,
    ):
        read += time.perf_counter() - started
        while True:
            started = time.perf_counter()
            block = next(blocks, None)
            read += time.perf_counter() - started
            if block is None:
                break
            started = time.perf_counter()
            table.write_rows(block)
            write += time.perf_counter() - started
    return read, write


def mart_statuses(w: Warehouse) -> dict[str, int]:
    rows = w.rows(f"select status, count() from `{w.db('marts')}`.fct_payment_reconciliation group by status")
    return {str(status): int(n) for status, n in rows}


def same_counts(a: dict[str, int], b: dict[str, int]) -> str:
    return "same counts per status" if a == b else f"DIFFERENT counts per status: {a} vs {b}"


def load_average() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def machine(load_at_start: str) -> str:
    memory = psutil.virtual_memory().total / 1024**3
    return (
        f"{os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), {memory:.1f} GiB memory; load average "
        f"(1 / 5 / 15 min) {load_at_start} at the start, {load_average()} at the end"
    )


def rss_target(process: str, peak_mb: float | None) -> Target:
    if peak_mb is None:
        return Target(f"peak RSS, {process}", "≤ 2 GB", "not measured", None)
    return Target(f"peak RSS, {process}", "≤ 2 GB", f"{peak_mb:,.0f} MB", peak_mb <= 2 * MB_PER_GB)


def met_text(met: bool | None) -> str:
    return {True: "met", False: "missed", None: "not measured"}[met]


def markdown(title: str, lines: list[str], figures: list[tuple[str, str]], targets: list[Target]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    out = [f"## {title}", "", *lines, "", "| target | limit | measured | |", "| --- | --- | --- | --- |"]
    out += [f"| {cell(t.what)} | {cell(t.limit)} | {cell(t.measured)} | {met_text(t.met)} |" for t in targets]
    out += ["", "| step | figure |", "| --- | --- |"]
    out += [f"| {cell(what)} | {cell(figure)} |" for what, figure in figures]
    return "\n".join(out) + "\n"


def prepare_workdir(workdir: Path, data: Path | None) -> None:
    """Remove what an earlier bench left in `workdir`, never the data directory given with --data."""
    workdir.mkdir(parents=True, exist_ok=True)
    doomed = [
        "warehouse",
        "exports",
        "exports-csv-only",
        "dbt",
        "run",
        "held",
        "serving",
        "bench.duckdb",
        "bench.md",
    ]
    if data is None:
        doomed.append("data")
    for name in doomed:
        path = workdir / name
        if data is not None and data.resolve().is_relative_to(path.resolve()):
            raise SystemExit(f"--data {data} is inside {path}, which the bench clears; copy it elsewhere")
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--payments", type=int, default=1_000_000, help="captured payments in the first run")
    parser.add_argument("--branches", type=int, default=10)
    parser.add_argument("--days", type=int, default=60, help="days of the first run (one more is generated)")
    parser.add_argument("--workdir", type=Path, default=Path(".mymedic/bench"))
    parser.add_argument("--data", type=Path, help="use this generated data directory instead of generating")
    parser.add_argument("--api-seconds", type=float, default=20.0, help="seconds of load on the metrics API")
    parser.add_argument("--api-clients", type=int, default=8, help="concurrent metrics API clients")
    parser.add_argument(
        "--hl7-messages", type=int, default=100_000, help="synthetic HL7 ADT messages to load"
    )
    parser.add_argument(
        "--mllp-messages", type=int, default=40_000, help="HL7 ADT messages sent to the MLLP listener"
    )
    args = parser.parse_args()

    workdir: Path = args.workdir
    prepare_workdir(workdir, args.data)
    source = args.data or workdir / "data"
    data, held_dir, exports = workdir / "run", workdir / "held", workdir / "exports"
    settings = warehouse_settings(f"chdb://{(workdir / 'warehouse').resolve()}")
    figures = Figures()
    targets: list[Target] = []
    started_at, load_at_start = datetime.now().astimezone(), load_average()
    scale = f"--payments {args.payments:,}"
    peaks: dict[str, float] = {}

    if not args.data:
        per_day = max(1, round(args.payments / PAYMENTS_PER_BOOKING / (args.branches * args.days)))
        child = peer("generate", source, "--branches", str(args.branches), "--days", str(args.days + 1),
                     "--bookings-per-day", str(per_day), "--start", START.isoformat())  # fmt: skip
        s = child.answer["result"]
        scale += (
            f", generated {args.branches} branches × {args.days} days + 1 held-back day, {per_day} bookings per "
            "branch-day (payments' feeds: bookings, settlements, bank)"
        )
        figures.add(
            "generate (all days)",
            f"{child.seconds:.1f} s, peak RSS {child.peak_rss_mb:,.0f} MB: "
            + ", ".join(f"{s[k]:,} {k}" for k in ("events", "payments", "refunds", "settlement_lines")),
        )
    else:
        scale += f", data from {args.data} (its newest day, {newest_day(args.data)}, held back)"

    link_copy(source, data)
    held = hold_back(data, held_dir)
    figures.add(
        "held back for the second-day run", f"{held.day}: {len(held.files)} files, {held.lines:,} lines"
    )

    # -- peers, on the first run's files --------------------------------------------------------------
    scan = peer("duckdb-scan", data, "--database", str(workdir / "bench.duckdb"))
    duck_scan: dict[str, dict[str, float]] = scan.answer["result"]
    peaks["DuckDB scans (child)"] = scan.peak_rss_mb
    for feed, f in duck_scan.items():
        reader = "read_ndjson" if feed == "booking_events" else "read_csv"
        figures.add(
            f"DuckDB {reader}, {feed}",
            f"bare scan {rate(int(f['rows']), f['seconds'])}; into an on-disk table {f['table_seconds']:.2f} s",
        )
    figures.add("DuckDB scans, peak RSS", f"{scan.peak_rss_mb:,.0f} MB")
    (workdir / "bench.duckdb").unlink(missing_ok=True)

    duck = peer("duckdb-reconcile", data)
    peaks["DuckDB reconciliation (child)"] = duck.peak_rss_mb
    duck_counts: dict[str, int] = duck.answer["result"]
    figures.add(
        "DuckDB SQL reconciliation",
        f"{duck.seconds:.1f} s ({sum(duck_counts.values()):,} rows), peak RSS {duck.peak_rss_mb:,.0f} MB",
    )

    pandas = peer("pandas-reconcile", data)
    peaks["pandas reconciliation (child)"] = pandas.peak_rss_mb
    pandas_counts: dict[str, int] = pandas.answer["result"]
    figures.add(
        "pandas reconciliation",
        f"{pandas.seconds:.1f} s ({sum(pandas_counts.values()):,} rows), peak RSS {pandas.peak_rss_mb:,.0f} MB",
    )

    # -- the platform, first run --------------------------------------------------------------------
    first = load_all(settings, data, figures, "first run")
    # Feeds the sample has no files of (other gateways, refund-status answers) have no DuckDB scan.
    for feed in (f for f in FEEDS if f.name in duck_scan):
        duck_rows = int(duck_scan[feed.name]["rows"])
        if duck_rows != first.rows_read[feed.name]:
            figures.add(
                f"ROW COUNTS DIFFER, {feed.name}",
                f"DuckDB {duck_rows:,}, platform {first.rows_read[feed.name]:,}",
            )
    dbt_build(settings, workdir, first, figures, "first run")
    peaks["dbt build, first run (child)"] = first.dbt_peak_mb
    mart_rows = shipped_exports(settings, exports, first, figures, "first run")
    with open_warehouse(settings) as w:
        read_s, write_s = csv_export_alone(w, workdir / "exports-csv-only" / "payment_reconciliation.csv")
        mart_counts = mart_statuses(w)
    pdf_and_bundle(settings, workdir, figures, "first run")
    csv_seconds = read_s + write_s
    xlsx_seconds = max(first.exports_seconds - write_s, 0.0)
    figures.add(
        "first run: CSV export alone (MartReader + CsvTable)",
        f"{csv_seconds:.1f} s ({read_s:.1f} s reading the mart, {write_s:.1f} s writing)",
    )
    figures.add(
        "first run: XLSX export (derived: CSV + XLSX call − CSV writing)",
        f"{xlsx_seconds:.1f} s = {ratio(xlsx_seconds, mart_rows) * 1e6:,.0f} s per 1M rows",
    )
    figures.add("mart vs DuckDB SQL", same_counts(mart_counts, duck_counts))
    figures.add("mart vs pandas", same_counts(mart_counts, pandas_counts))
    figures.add("first run: load + dbt + exports", first.breakdown())

    # -- the platform, second-day run ---------------------------------------------------------------
    held.put_back()
    second = load_all(settings, data, figures, "second day")
    dbt_build(settings, workdir, second, figures, "second day")
    peaks["dbt build, second day (child)"] = second.dbt_peak_mb
    shipped_exports(settings, exports, second, figures, "second day")
    share = ratio(second.seconds, first.seconds)
    figures.add("second day: load + dbt + exports", f"{second.breakdown()} = {share:.0%} of the first run")
    metrics_api(settings, workdir, figures, seconds=args.api_seconds, clients=args.api_clients)
    hl7 = hl7_load.run(workdir / "hl7", args.hl7_messages)  # benchmarks/hl7_load.py: its own warehouse
    figures.add("HL7 v2 ADT files: parse + load (real loader)", hl7.text())
    mllp = mllp_listener.run(workdir / "mllp", args.mllp_messages)  # benchmarks/mllp_listener.py
    figures.add("HL7 v2 MLLP listener, local sender", mllp.text())

    peaks["this process (chDB loads, exports)"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures.add(
        "peak RSS, this process (chDB loads, exports)",
        f"{peaks['this process (chDB loads, exports)']:,.0f} MB",
    )

    # -- ratios and targets -------------------------------------------------------------------------
    load_ratios = {
        feed: ratio(first.load_seconds[feed], duck_scan[feed]["seconds"])
        for feed in first.load_seconds
        if feed in duck_scan
    }
    for feed, r in load_ratios.items():
        into_table = ratio(first.load_seconds[feed], duck_scan[feed]["table_seconds"])
        figures.add(f"load / DuckDB bare scan, {feed}", f"{r:.1f}x ({into_table:.1f}x DuckDB into a table)")
    end_to_end = sum(first.load_seconds.values()) + first.dbt_seconds + csv_seconds
    e2e_ratio = ratio(end_to_end, pandas.seconds)
    figures.add(
        "end to end (load + dbt + CSV export) / pandas",
        f"{end_to_end:.1f} s / {pandas.seconds:.1f} s = {e2e_ratio:.2f}x",
    )
    figures.add("end to end / DuckDB SQL reconciliation", f"{ratio(end_to_end, duck.seconds):.1f}x")
    xlsx_per_m = ratio(xlsx_seconds, mart_rows) * 1e6

    settle, events = load_ratios["razorpay_settlements"], load_ratios["booking_events"]
    targets += [
        Target("settlements load / DuckDB read_csv", "≤ 2x", f"{settle:.1f}x", settle <= 2),
        Target("events load / DuckDB read_json", "≤ 3x", f"{events:.1f}x", events <= 3),
        Target("end to end (load + dbt + CSV) / pandas", "< 1.0", f"{e2e_ratio:.2f}", e2e_ratio < 1),
        Target("second-day run / first run", "≤ 15%", f"{share:.0%}", share <= 0.15),
        Target("XLSX seconds per 1M rows", "≤ 60 s", f"{xlsx_per_m:,.0f} s", xlsx_per_m <= 60),
        Target(
            "HL7 ADT file parse + load",
            f"≥ {hl7_load.TARGET_PER_SECOND:,} msgs/s",
            f"{hl7.per_second:,.0f} msgs/s",
            hl7.per_second >= hl7_load.TARGET_PER_SECOND,
        ),
        Target(
            "HL7 MLLP listener, AA after a durable write",
            f"≥ {mllp_listener.TARGET_PER_SECOND:,} msgs/s",
            f"{mllp.per_second:,.0f} msgs/s",
            mllp.per_second >= mllp_listener.TARGET_PER_SECOND,
        ),
        *(rss_target(process, mb) for process, mb in peaks.items()),
    ]

    title = f"MyMedic benchmark, {started_at:%Y-%m-%d}"
    lines = [
        f"- date: {started_at:%a %d %b %Y %H:%M:%S %Z}",
        f"- machine: {machine(load_at_start)}",
        f"- scale: {scale}; first run: "
        + ", ".join(f"{int(duck_scan[feed]['rows']):,} {feed}" for feed in duck_scan)
        + f" rows; the mart has {mart_rows:,} rows",
    ]
    for heading, rows, columns in (
        ("targets", [(t.what, t.limit, t.measured, met_text(t.met)) for t in targets], ("target", "limit", "measured", "")),
        ("figures", figures, ("step", "figure")),
    ):  # fmt: skip
        table = Table(title=f"{title}: {heading}")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*row)
        console.print(table)
    for line in lines:
        console.print(line)
    (workdir / "bench.md").write_text(markdown(title, lines, figures, targets), encoding="utf-8")
    console.print(f"written: {workdir / 'bench.md'}")


if __name__ == "__main__":
    main()
