"""Load one file of one feed: read → validate → quarantine bad rows → idempotent load → ledger.

Conservation, per file: rows read = rows loaded + rows quarantined + rows skipped as duplicates.
- A file whose content (sha256) this feed loaded before is skipped whole and writes nothing (versioned
  reference data: only when that content is what was loaded last under the file's name).
- A row whose natural key is loaded already is skipped when its values are the same, and quarantined
  (with the place it conflicts with) when they differ; the same holds for repeats inside one file.
  Versioned tables instead load a differing row as the new current version.
- A file the feed can't read at all (missing columns, not the expected JSON shape) is rejected: each of
  its lines goes to the quarantine with the reason.
Small feeds parse rows in Python (`Feed.read`); large feeds send rows as text in Arrow batches and
ClickHouse casts and validates them in one query (`Feed.validation_sql`). Either way good rows wait in a
per-batch staging table and the verdict on keys is taken in SQL, so a large file never has to fit in
Python memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from core.warehouse import Warehouse
from ingestion.feeds.base import Feed, LoadContext
from ingestion.records import FileRejected, Record, TextRecord
from ingestion.tables import METADATA_COLUMNS, RawTable

BATCH_ROWS = 50_000
ALREADY_LOADED = "already_loaded"


@dataclass(frozen=True)
class BatchResult:
    feed: str
    source_file: str
    batch_id: str
    status: str  # loaded | rejected | empty | already_loaded
    note: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_skipped: int

    @property
    def conserved(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined + self.rows_skipped


def file_sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class _Batch:
    """One file's load in progress."""

    def __init__(self, warehouse: Warehouse, feed: Feed, table: RawTable, path: Path, source: str) -> None:
        self.w = warehouse
        self.feed = feed
        self.table = table
        self.path = path
        self.source = source
        self.sha, self.size = file_sha256(path)
        self.batch_id = f"{feed.name}-{self.sha[:20]}"
        self.raw_db = warehouse.db("raw")
        self.incoming = f"`{self.raw_db}`.`_incoming_{self.sha[:20]}`"
        self.started = datetime.now(UTC)
        self.read = self.quarantined = 0
        self._good: list[dict] = []
        self._bad: list[list] = []

    def already_loaded(self) -> bool:
        """Facts: this content was loaded before, under any name. Versioned reference data: this content
        is what was loaded last under this name (A, then B, then A again makes A current again)."""
        ledger = f"`{self.raw_db}`.load_ledger"
        params = {"feed": self.feed.name, "sha": self.sha, "source": self.source}
        if self.table.versioned:
            latest = self.w.scalar(
                f"select argMax(content_sha256, finished_at) from {ledger} "
                "where feed = {feed:String} and source_file = {source:String}",
                params,
            )
            return latest == self.sha
        return bool(
            self.w.scalar(
                f"select count() from {ledger} where feed = {{feed:String}} and content_sha256 = {{sha:String}}",
                params,
            )
        )

    def number_batch(self) -> None:
        """Batch ids are the content hash, made unique when versioned content is loaded again."""
        loads = self.w.scalar(
            f"select count() from `{self.raw_db}`.load_ledger where feed = {{feed:String}} and content_sha256 = {{sha:String}}",
            {"feed": self.feed.name, "sha": self.sha},
        )
        if loads:
            self.batch_id = f"{self.batch_id}-{loads + 1}"

    def start(self) -> None:
        self.number_batch()
        # A batch that crashed part way left quarantine rows behind but no ledger row: start it clean.
        self.w.command(
            f"delete from `{self.raw_db}`.quarantine where _batch_id = {{b:String}}", {"b": self.batch_id}
        )
        self.w.command(f"drop table if exists {self.incoming}")
        cols = ",\n  ".join(f"`{n}` {t}" for n, t in (*self.table.columns, *METADATA_COLUMNS))
        self.w.command(
            f"create table {self.incoming} (\n  {cols},\n  `_raw_line` String\n) engine = MergeTree order by tuple()"
        )

    def add(self, record: Record) -> None:
        self.read += 1
        if record.values is None:
            self._bad.append([record.line, record.raw, record.reason or "unreadable row"])
            if len(self._bad) >= BATCH_ROWS:
                self._flush_bad()
            return
        self._good.append({**record.values, "_source_line": record.line, "_raw_line": record.raw})
        if len(self._good) >= BATCH_ROWS:
            self._flush_good()

    def _flush_good(self) -> None:
        if not self._good:
            return
        meta = {"_batch_id": self.batch_id, "_source_file": self.source, "_loaded_at": self.started}
        names = [*self.table.column_names, *(n for n, _ in METADATA_COLUMNS), "_raw_line"]
        columns = [
            [meta[n]] * len(self._good) if n in meta else [row[n] for row in self._good] for n in names
        ]
        self.w.client.insert(self.incoming, columns, column_names=names, column_oriented=True)
        self._good.clear()

    # The SQL-validated path (large feeds): Python only splits the file into rows of text; the engine
    # casts, validates and writes the reason, vectorised.

    def start_text(self, text_columns: list[str]) -> None:
        self.text_columns = text_columns
        self.text_table = f"`{self.raw_db}`.`_text_{self.sha[:20]}`"
        self._text: list[TextRecord] = []
        self.w.command(f"drop table if exists {self.text_table}")
        cols = "".join(f", `{c}` String" for c in text_columns)
        self.w.command(
            f"create table {self.text_table} (`_source_line` UInt64, `_raw_line` String, `_problem` String{cols}) "
            "engine = MergeTree order by _source_line"
        )

    def add_text(self, record: TextRecord) -> None:
        self.read += 1
        self._text.append(record)
        if len(self._text) >= BATCH_ROWS:
            self._flush_text()

    def _flush_text(self) -> None:
        if not self._text:
            return
        rows = self._text
        columns: list[Any] = [[r.line for r in rows], [r.raw for r in rows], [r.problem or "" for r in rows]]
        if self.text_columns:
            blank = ("",) * len(self.text_columns)
            columns += zip(*(r.fields or blank for r in rows), strict=True)  # rows → columns at C speed
        names = ["_source_line", "_raw_line", "_problem", *self.text_columns]
        # Arrow large_string builds from Python strings ~50x faster than string (or the native insert).
        arrays = [pa.array(columns[0], pa.uint64()), *(pa.array(c, pa.large_string()) for c in columns[1:])]
        self.w.client.insert_arrow(self.text_table, pa.Table.from_arrays(arrays, names=names))
        self._text = []

    def validate_text(self, validation_sql: str) -> None:
        """Run the feed's validation over the text rows: good rows to the staging table, others quarantined.

        `validation_sql` selects from `{text}` the raw table's data columns, `_source_line`, `_raw_line` and
        `_reason` ('' for a good row); the text table's `_problem` (a row the reader could not split) must
        win over any other reason."""
        self._flush_text()
        checked = f"`{self.raw_db}`.`_checked_{self.sha[:20]}`"
        self.w.command(f"drop table if exists {checked}")
        try:
            self.w.command(
                f"create table {checked} engine = MergeTree order by _source_line as "
                + validation_sql.replace("{text}", self.text_table)
            )
            names = ", ".join(f"`{n}`" for n in self.table.column_names)
            self.w.command(
                f"insert into {self.incoming} ({names}, _batch_id, _source_file, _source_line, _loaded_at, _raw_line) "
                f"select {names}, {{batch:String}}, {{source:String}}, _source_line, {{loaded:DateTime64(3, 'UTC')}}, "
                f"_raw_line from {checked} where _reason = ''",
                {"batch": self.batch_id, "source": self.source, "loaded": self.started},
            )
            self.w.command(
                f"insert into `{self.raw_db}`.quarantine select {{feed:String}}, {{batch:String}}, {{source:String}}, "
                f"_source_line, _raw_line, _reason, now64(3, 'UTC') from {checked} where _reason != ''",
                {"feed": self.feed.name, "batch": self.batch_id, "source": self.source},
            )
            self.quarantined += self.w.scalar(f"select count() from {checked} where _reason != ''")
        finally:
            self.w.command(f"drop table if exists {checked}")
            self.w.command(f"drop table if exists {self.text_table}")

    def _flush_bad(self) -> None:
        if not self._bad:
            return
        now = datetime.now(UTC)
        rows = [
            [self.feed.name, self.batch_id, self.source, line, raw, reason, now]
            for line, raw, reason in self._bad
        ]
        self.w.client.insert(
            f"`{self.raw_db}`.quarantine",
            rows,
            column_names=[
                "feed",
                "_batch_id",
                "_source_file",
                "_source_line",
                "raw_line",
                "reason",
                "_quarantined_at",
            ],
        )
        self.quarantined += len(self._bad)
        self._bad.clear()

    def settle_keys(self) -> tuple[int, int]:
        """Move new rows from the staging table into the raw table. Returns (loaded, skipped)."""
        self._flush_good()
        self._flush_bad()
        target = f"`{self.raw_db}`.`{self.table.name}`"
        key = "sipHash128(" + ", ".join(f"`{c}`" for c in self.table.key) + ")"
        values = "sipHash128(" + ", ".join(f"`{c}`" for c in self.table.column_names) + ")"
        key_names = ", ".join(self.table.key)
        # A versioned row that differs from the current version is a new version, not a conflict.
        conflict_with_loaded = "0" if self.table.versioned else "e_present = 1"
        verdicts = f"""
            select line, raw_line, k, first_line, e_file, e_line,
                multiIf(e_present = 1 and e_h = h, 'duplicate',
                        {conflict_with_loaded}, 'conflict_loaded',
                        rn = 1, 'load',
                        h = first_h, 'duplicate',
                        'conflict_batch') as verdict
            from (
                select line, raw_line, k, h,
                    row_number() over w as rn,
                    first_value(h) over w as first_h,
                    first_value(line) over w as first_line
                from (
                    select _source_line as line, _raw_line as raw_line, {key} as k, {values} as h
                    from {self.incoming}
                )
                window w as (partition by k order by line rows between unbounded preceding and current row)
            ) as i
            left join (
                select {key} as k, argMax({values}, (_loaded_at, _source_line)) as e_h,
                    any(_source_file) as e_file, any(_source_line) as e_line, 1 as e_present
                from {target}
                where {key} in (select {key} from {self.incoming})
                group by k
            ) as e using (k)
        """
        verdict_table = f"`{self.raw_db}`.`_verdicts_{self.sha[:20]}`"
        self.w.command(f"drop table if exists {verdict_table}")
        self.w.command(f"create table {verdict_table} engine = Memory as {verdicts}")
        try:
            names = ", ".join(f"`{n}`" for n, _ in (*self.table.columns, *METADATA_COLUMNS))
            self.w.command(
                f"insert into {target} ({names}) select {names} from {self.incoming} "
                f"where _source_line in (select line from {verdict_table} where verdict = 'load')"
            )
            self.w.command(
                f"""
                insert into `{self.raw_db}`.quarantine
                select {{feed:String}}, {{batch:String}}, {{source:String}}, line, raw_line,
                    if(verdict = 'conflict_loaded',
                       concat('a row with the same key ({key_names}) was loaded before from ', e_file,
                              ' line ', toString(e_line), ' with different values; not loaded again'),
                       concat('line ', toString(first_line), ' of this file has the same key ({key_names}) ',
                              'with different values; only the first was loaded')),
                    now64(3, 'UTC')
                from {verdict_table} where verdict like 'conflict%'
                """,
                {"feed": self.feed.name, "batch": self.batch_id, "source": self.source},
            )
            counts = dict(self.w.rows(f"select verdict, count() from {verdict_table} group by verdict"))
        finally:
            self.w.command(f"drop table if exists {verdict_table}")
            self.w.command(f"drop table if exists {self.incoming}")
        conflicts = counts.get("conflict_loaded", 0) + counts.get("conflict_batch", 0)
        self.quarantined += conflicts
        return counts.get("load", 0), counts.get("duplicate", 0)

    def record(self, status: str, note: str, loaded: int, skipped: int) -> BatchResult:
        result = BatchResult(
            feed=self.feed.name,
            source_file=self.source,
            batch_id=self.batch_id,
            status=status,
            note=note,
            rows_read=self.read,
            rows_loaded=loaded,
            rows_quarantined=self.quarantined,
            rows_skipped=skipped,
        )
        self.w.client.insert(
            f"`{self.raw_db}`.load_ledger",
            [
                [
                    self.batch_id,
                    self.feed.name,
                    self.source,
                    self.sha,
                    self.size,
                    status,
                    note,
                    result.rows_read,
                    loaded,
                    result.rows_quarantined,
                    skipped,
                    self.started,
                    datetime.now(UTC),
                ]
            ],
            column_names=[
                "_batch_id",
                "feed",
                "source_file",
                "content_sha256",
                "file_bytes",
                "status",
                "note",
                "rows_read",
                "rows_loaded",
                "rows_quarantined",
                "rows_skipped",
                "started_at",
                "finished_at",
            ],
        )
        return result


def load_file(
    warehouse: Warehouse,
    feed: Feed,
    path: Path,
    context: LoadContext,
    *,
    source: str | None = None,
    on_row: Callable[[int], None] | None = None,
) -> BatchResult:
    """Load `path` as `feed` into its raw table; see the module docstring for the guarantees."""
    batch = _Batch(warehouse, feed, feed.table_for(path), path, source or str(path))
    if batch.already_loaded():
        return BatchResult(feed.name, batch.source, batch.batch_id, ALREADY_LOADED, "", 0, 0, 0, 0)
    batch.start()
    status, note, last_line = "loaded", "", 0
    text_columns = feed.text_columns(path) if feed.accepts(path) else None
    if text_columns is not None:
        batch.start_text(text_columns)
    try:
        if not feed.accepts(path):
            raise FileRejected(f"{path.name} is not a {feed.name} file (expected {', '.join(feed.patterns)})")
        rows = feed.read(path, context) if text_columns is None else feed.read_text(path, context)
        for row in rows:
            if isinstance(row, TextRecord):
                batch.add_text(row)
            else:
                batch.add(row)
            last_line = row.line
            if on_row and batch.read % 10_000 == 0:
                on_row(batch.read)
    except FileRejected as exc:
        status, note = "rejected", str(exc)
        for record in feed.rejected_records(path, after_line=last_line):
            batch.add(Record.bad(record.line, record.raw, f"file rejected: {exc}"))
    if text_columns is not None:
        batch.validate_text(feed.validation_sql(path, context))
    loaded, skipped = batch.settle_keys()
    if batch.read == 0 and status == "loaded":
        status, note = "empty", "the file has no data rows"
    return batch.record(status, note, loaded, skipped)
