"""TPA claim events through the file path: N claim lifecycle events as a TPA exports them (the built-in
`example_tpa` CSV format, ingestion/feeds/claims_tpa/mappings/example_tpa.yaml), loaded through the real
loader (`ingestion.loader.load_file`, the claims_tpa feed: the mapping's codes, IST times, rupees to paise,
deduction lines, checks, quarantine, idempotent keys) into a fresh chDB warehouse; prints events/s. Part of
`make bench`; also on its own:

    python -m benchmarks.claims_load --events 1000000

Files of 200,000 rows (about 30 MB) are parsed in spans by the reader's worker processes (one per CPU), so
the CPU figure counts theirs too. The files are written by DuckDB from a template (eight events a claim: pre-auth raised and approved, claim
submitted, query raised and replied, then approved in full, part-approved with two deduction lines, or
repudiated, and for an approval a settlement with UTR and TDS and a remittance line), not by the sample
generator, which builds each claim in Python. One row in a thousand has a bad amount and is quarantined.

The peer, for scale: DuckDB's read_csv of the same files into an in-memory table, typed (times, decimal
amounts) but with no mapping, code translation, deduction parsing, validation, quarantine, ledger or
idempotence. The ratio says how far the platform's checked load is from a bare parse.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from benchmarks.feed_load import load_files
from ingestion.feeds.claims_tpa import FEED

TPA = "example_tpa"  # the built-in mapping: files in claims/tpa/example_tpa/ need no mapping.yaml
EVENTS_PER_CLAIM = 8
BAD_EVERY = 1000  # one row in this many has an amount the mapping can't read ('12k'), quarantined
HEADER = (
    "Event Id", "Ref No", "Claim No", "Type", "Status", "Status Date", "Insurer", "Hospital Code", "IP No",
    "Policy No", "Claimed Amt", "Approved Amt", "Deducted Amt", "Paid Amt", "TDS Amt", "Deductions",
    "Reason Code", "Remarks", "UTR No",
)  # fmt: skip
# A claim's eight events; the sixth is its decision: approved in full (outcome 0), part-approved (1) or
# repudiated (2, and then no settlement: its last two rows are a dispute and a reopen).
STATUSES = (
    ["Preauth Raised"], ["Preauth Approved"], ["Claim Submitted"], ["Query Raised"], ["Query Replied"],
    ["Approved", "Partially Approved", "Repudiated"], ["Settled", "Settled", "Disputed"],
    ["Remittance", "Remittance", "Reopened"],
)  # fmt: skip
INSURERS = ("Star Health", "HDFC ERGO", "ICICI Lombard", "Niva Bupa", "Care Health")


def _template_sql(events: int, per_file: int, index: int) -> str:
    """The rows of file `index`: events index*per_file .. as a DuckDB SELECT with the CSV's columns."""
    start, stop = index * per_file, min((index + 1) * per_file, events)

    def step(options: str) -> str:  # the value of a per-(step, outcome) table: STATUSES-like lists
        return f"({options})[s + 1][least(o, len(({options})[s + 1]) - 1) + 1]"

    statuses = "[" + ", ".join("[" + ", ".join(f"'{w}'" for w in row) + "]" for row in STATUSES) + "]"
    insurers = "[" + ", ".join(f"'{i}'" for i in INSURERS) + "]"

    def rupees(paise: str) -> str:  # integer paise as the TPA writes rupees: 1234.50
        return f"(({paise}) // 100)::varchar || '.' || lpad((({paise}) % 100)::varchar, 2, '0')"

    return f"""
        with e as (
            select range as n, range // {EVENTS_PER_CLAIM} as c, range % {EVENTS_PER_CLAIM} as s,
                   (range // {EVENTS_PER_CLAIM}) % 3 as o,
                   50000 + ((range // {EVENTS_PER_CLAIM}) * 7919) % 45000000 as claimed
            from range({start}, {stop})
        ), t as (
            select *, (claimed * 9) // 10 as approved, (claimed - (claimed * 9) // 10) as deducted from e
        )
        select
            'EV' || lpad(n::varchar, 10, '0') as "Event Id",
            'REF-' || c as "Ref No",
            'CLM' || lpad(c::varchar, 9, '0') as "Claim No",
            if(s < 2, 'Preauth', 'Claim') as "Type",
            {step(statuses)} as "Status",
            strftime(timestamp '2026-09-01 08:00:00' + to_minutes((c % 40000)::bigint)
                     + to_hours((s * 7)::bigint), '%d/%m/%Y %H:%M') as "Status Date",
            {insurers}[c % {len(INSURERS)} + 1] as "Insurer",
            'BR' || lpad((c % 10)::varchar, 3, '0') as "Hospital Code",
            'IP' || lpad(c::varchar, 9, '0') as "IP No",
            'POL-' || (c * 31 % 9999991) as "Policy No",
            case when n % {BAD_EVERY} = 7 then '12k'
                 when s in (0, 2) then {rupees("claimed")} else null end as "Claimed Amt",
            case when s = 1 then {rupees("claimed")}
                 when s = 5 and o = 0 then {rupees("claimed")}
                 when s = 5 and o = 1 then {rupees("approved")} else null end as "Approved Amt",
            null::varchar as "Deducted Amt",
            case when s in (6, 7) and o < 2
                 then {rupees("if(o = 0, claimed, approved) * 9 // 10")}
                 else null end as "Paid Amt",
            case when s in (6, 7) and o < 2
                 then {rupees("if(o = 0, claimed, approved) - if(o = 0, claimed, approved) * 9 // 10")}
                 else null end as "TDS Amt",
            case when s = 5 and o = 1
                 then 'NME:' || {rupees("deducted // 2")} || ':Non-medical items;'
                      || 'RNT:' || {rupees("deducted - deducted // 2")}
                      || ':Room rent above entitlement'
                 else null end as "Deductions",
            case when s = 5 and o = 2 then 'EXCL-04' when s = 3 then 'Q-DOCS' else null end as "Reason Code",
            case when s = 3 then 'Please send the discharge summary, with the "final" bill'
                 when s = 5 and o = 2 then 'Pre-existing disease, within waiting period' else null end as "Remarks",
            if(s in (6, 7) and o < 2, 'UTIB' || lpad(c::varchar, 12, '0'), null) as "UTR No"
        from t
        order by n
    """


def write_files(folder: Path, events: int, per_file: int) -> int:
    """The events as CSV files of `per_file` rows in `folder` (DuckDB writes them; nothing per row in Python)."""
    folder.mkdir(parents=True)
    files = -(-events // per_file)
    with duckdb.connect() as con:
        for index in range(files):
            target = str(folder / f"claim_status_{index:04d}.csv").replace("'", "''")
            con.execute(
                f"copy ({_template_sql(events, per_file, index)}) to '{target}' (header, delimiter ',')"
            )
    return files


def duckdb_read_csv(folder: Path) -> tuple[int, float]:
    """(rows, seconds): DuckDB's read_csv of every file into an in-memory table, typed, nothing checked."""
    columns = {h: "VARCHAR" for h in HEADER} | {"Status Date": "TIMESTAMP"}
    columns |= {h: "DECIMAL(18, 2)" for h in ("Claimed Amt", "Approved Amt", "Paid Amt", "TDS Amt")}
    struct = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items()) + "}"
    glob = str(folder / "*.csv").replace("'", "''")
    with duckdb.connect() as con:
        started = time.perf_counter()
        con.execute(
            f"create table claims as select * from read_csv('{glob}', header = true, auto_detect = false, "
            f"columns = {struct}, timestampformat = '%d/%m/%Y %H:%M', store_rejects = true)"
        )
        seconds = time.perf_counter() - started
        rows = int(con.execute("select count(*) from claims").fetchone()[0])  # type: ignore[index]
        rejected = int(con.execute("select count(*) from reject_errors").fetchone()[0])  # type: ignore[index]
    return rows + rejected, seconds


@dataclass(frozen=True)
class ClaimLoadRun:
    events: int
    loaded: int
    quarantined: int
    files: int
    seconds: float
    cpu_seconds: float  # this process's and its children's: the wall figure swings on a busy machine
    peer_rows: int
    peer_seconds: float

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    @property
    def peer_ratio(self) -> float:
        return self.seconds / self.peer_seconds if self.peer_seconds else float("inf")

    def text(self) -> str:
        per_cpu = self.events / self.cpu_seconds if self.cpu_seconds else 0
        return (
            f"{self.events:,} events in {self.files} files, {self.seconds:.2f} s = {self.per_second:,.0f} "
            f"events/s ({self.loaded:,} loaded, {self.quarantined:,} quarantined); CPU {self.cpu_seconds:.2f} s "
            f"= {per_cpu:,.0f} per CPU second"
        )

    def peer_text(self) -> str:
        return (
            f"DuckDB read_csv of the same files into a table (parse and type only): {self.peer_rows:,} rows in "
            f"{self.peer_seconds:.2f} s; the checked load takes {self.peer_ratio:.1f}x"
        )


def run(workdir: Path, events: int, per_file: int = 200_000) -> ClaimLoadRun:
    """Generate, read with DuckDB, then time the platform's load of every file (generation is not timed)."""
    if workdir.exists():
        shutil.rmtree(workdir)
    data = workdir / "data"
    folder = data / FEED.spec.folder / TPA
    write_files(folder, events, per_file)
    peer_rows, peer_seconds = duckdb_read_csv(folder)
    load = load_files(FEED, data, workdir / "warehouse")
    return ClaimLoadRun(
        events=load.read,
        loaded=load.loaded,
        quarantined=load.quarantined,
        files=load.files,
        seconds=load.seconds,
        cpu_seconds=load.cpu_seconds,
        peer_rows=peer_rows,
        peer_seconds=peer_seconds,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--per-file", type=int, default=200_000, help="events (rows) per CSV file")
    parser.add_argument("--workdir", type=Path, help="default: a temp directory, removed after")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="claims-bench-") as tmp:
        result = run(args.workdir or Path(tmp) / "claims", args.events, args.per_file)
    print(f"TPA claim events (CSV), file path: {result.text()}")
    print(f"peer: {result.peer_text()}")


if __name__ == "__main__":
    main()
