"""Load one file of one feed: read → validate → quarantine bad records → idempotent load → ledger.

Conservation, per file: records read = loaded + quarantined + skipped as duplicates.
- A file whose content (sha256) this feed loaded before is skipped whole and writes nothing (versioned
  reference data: only when that content is what was loaded last under the file's name).
- A record whose natural key is loaded already is skipped when its values are the same, and quarantined
  (naming the place it conflicts with) when they differ; the same holds for repeats inside one file.
  Versioned tables instead load a differing row as the new current version (a table's observation time,
  `observed_at`, is not compared: an answer repeated later is the same row). Where a table declares an
  entity key (an event's payment, refund or booking fact), a record stating a different fact about an
  entity already recorded under another key is quarantined too, naming both values.
- Lines of a file's frame that are not records (a bank statement's header block, table header and
  footer: the reader yields them as `Frame`s) are not counted as read; the ledger's note lists them.
- A file the feed can't read at all (missing columns, not the expected JSON shape) is rejected: each of
  its records goes to the quarantine with the reason.

Every record lands in one staging table, `_checked_<sha>`: its typed values, position, raw text and
`_reason` ('' when good). Engine feeds fill it with one SQL query over the file's bytes, which were sent
to the warehouse in one insert (the same call for chDB and a server); Python feeds fill it from their
parsed records. The verdict on keys is then taken in SQL.

A load commits with its ledger row, written last: dbt's staging models read the rows of committed
batches only, and a load that died part way is swept (its raw and quarantine rows deleted) before the
file is loaded again, so the next run equals a clean one, ledger included.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.warehouse import Warehouse
from ingestion.engine_sql import BLOB_COLUMNS, BLOB_NAMES, document_sql, line_pieces, lines_sql
from ingestion.feeds.base import Feed, LoadContext
from ingestion.record_blocks import blank_value, block_names
from ingestion.records import FileRejected, Frame, Record, RecordBlock
from ingestion.spec import METADATA_COLUMNS, TableSpec
from ingestion.tables import EXCERPT_BYTES, LOAD_LEDGER, QUARANTINE

BATCH_ROWS = 50_000
ALREADY_LOADED = "already_loaded"
TEMP_PREFIX = "_load_"  # every staging table of a load; left over only by a crash, dropped by the next load
# The named moments of a file's load, in order; `checkpoint` is called at each (tests crash there).
CHECKPOINTS = ("staged", "quarantined", "raw_inserted", "before_ledger")


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


def config_sha256(feed: Feed, path: Path) -> str:
    """SHA-256 of the configuration files `path` is read with (feed.spec.config_files beside it, and
    source_config_files in its `<source>/` folder), '' when there are none."""
    digest, found = hashlib.sha256(), False
    source = next((p for p in path.parents if p.name == feed.spec.source), None)
    configs = [(name, path.parent / name) for name in sorted(feed.spec.config_files)]
    if source is not None:
        configs += [(f"{feed.spec.source}/{n}", source / n) for n in sorted(feed.spec.source_config_files)]
    for name, config in configs:
        if config.is_file():
            digest.update(name.encode() + b"\0" + config.read_bytes() + b"\0")
            found = True
    return digest.hexdigest() if found else ""


def _quarantine_columns() -> str:
    return ", ".join(f"`{c.name}`" for c in QUARANTINE.columns)


def drop_leftover_tables(warehouse: Warehouse) -> None:
    """Drop staging tables a crashed load left behind (one load runs at a time)."""
    db = warehouse.db("raw")
    for (name,) in warehouse.rows(
        "select name from system.tables where database = {db:String} and startsWith(name, {p:String})",
        {"db": db, "p": TEMP_PREFIX},
    ):
        warehouse.command(f"drop table if exists `{db}`.`{name}`")


class _Batch:
    """One file's load in progress."""

    def __init__(self, warehouse: Warehouse, feed: Feed, table: TableSpec, path: Path, source: str) -> None:
        self.w = warehouse
        self.feed = feed
        self.table = table
        self.path = path
        self.source = source
        self.sha, self.size = file_sha256(path)
        self.batch_id = f"{feed.name}-{self.sha[:20]}"
        self.raw_db = warehouse.db("raw")
        self.target = f"`{self.raw_db}`.`{table.name}`"
        self.checked = f"`{self.raw_db}`.`{TEMP_PREFIX}checked_{self.sha[:20]}`"
        self.blob = f"`{self.raw_db}`.`{TEMP_PREFIX}blob_{self.sha[:20]}`"
        self.temporary = [self.checked, self.blob]
        self.started = datetime.now(UTC)
        self.sent = False
        self.status, self.note = "loaded", ""
        self.config = config_sha256(feed, path)
        self.params = {
            "feed": feed.name, "batch": self.batch_id, "source": source, "sha": self.sha, "config": self.config
        }  # fmt: skip
        self.retrying_rejected = False

    # --- before: is it loaded, and sweep what a crashed load of it left --------------------------------

    def already_loaded(self) -> bool:
        """Facts: this content was loaded before, under any name. Versioned reference data: this content
        is what was loaded last under this name (A, then B, then A again makes A current again)."""
        ledger = f"`{self.raw_db}`.load_ledger"
        if self.table.versioned:
            latest = self.w.scalar(
                f"select argMax(content_sha256, finished_at) from {ledger} "
                "where feed = {feed:String} and source_file = {source:String}",
                self.params,
            )
            return latest == self.sha
        # A file rejected every time so far is read again once the configuration it is read with (its
        # folder's profile.yaml) has changed: the mapping a rejection asked for may now be there.
        loads, rejected_with_other_config = self.w.rows(
            f"select count(), countIf(status = 'rejected' and config_sha256 != {{config:String}}) from {ledger} "
            "where feed = {feed:String} and content_sha256 = {sha:String}",
            self.params,
        )[0]
        self.retrying_rejected = bool(loads) and loads == rejected_with_other_config
        return bool(loads) and not self.retrying_rejected

    def start(self) -> None:
        # Batch ids are the content hash, made unique when versioned content is loaded again.
        loads = self.w.scalar(
            f"select count() from `{self.raw_db}`.load_ledger where feed = {{feed:String}} and content_sha256 = {{sha:String}}",
            self.params,
        )
        if loads:
            self.batch_id = f"{self.batch_id}-{loads + 1}"
            self.params["batch"] = self.batch_id
        if self.retrying_rejected:
            # The earlier rejections' quarantine rows go: this load quarantines afresh what is still bad
            # (the ledger keeps the earlier rejections).
            self.w.client.command(
                f"alter table `{self.raw_db}`.quarantine delete "
                "where feed = {feed:String} and content_sha256 = {sha:String}",
                parameters=self.params,
                settings={"mutations_sync": 2},
            )
        # No ledger row names this batch, so any row carrying its id is from a load that died: sweep it.
        for table in (self.target, f"`{self.raw_db}`.quarantine"):
            if self.w.scalar(f"select count() from {table} where _batch_id = {{batch:String}}", self.params):
                self.w.client.command(
                    f"alter table {table} delete where _batch_id = {{batch:String}}",
                    parameters=self.params,
                    settings={"mutations_sync": 2},
                )
        for table in self.temporary:
            self.w.command(f"drop table if exists {table}")

    # --- stage: every record into the checked table ----------------------------------------------------

    def _send_bytes(self, unit: str) -> None:
        """The file's bytes (chDB and a server alike): a document in one insert, as one String value; a
        file of lines in pieces of whole lines, one insert (so one block, read by any thread) each."""
        self.w.command(f"create table {self.blob} ({BLOB_COLUMNS}) engine = Memory")
        if unit == "lines":
            for piece in line_pieces(self.path):
                self.w.client.raw_insert(self.blob, BLOB_NAMES, piece, fmt="RowBinary")
        else:
            with self.path.open("rb") as fh:
                self.w.client.raw_insert(self.blob, ["content"], fh, fmt="RawBLOB")
        self.sent = True

    def _records_sql(self, unit: str) -> str:
        return lines_sql(self.blob) if unit == "lines" else document_sql(self.blob)

    def _create_checked(self, select: str) -> None:
        self.w.command(f"create table {self.checked} engine = Memory as {select}")

    def stage_engine(self, context: LoadContext) -> None:
        """Run the reader's SQL stages over the file's bytes; each stage's result is materialized (so
        what a later stage reads many times is computed once), the last one is the checked table."""
        reader = self.feed.reader
        unit = reader.unit(self.path)
        self._send_bytes(unit)
        why = ""
        if rejection := reader.rejection_sql(self.path):
            why = self.w.scalar(rejection.replace("{document}", document_sql(self.blob))) or ""
        if not why:
            try:
                stages = reader.select_sql(self.path, context)
            except FileRejected as exc:
                why = str(exc)
            else:
                self._run_stages([stages] if isinstance(stages, str) else stages, unit)
                return
        self.stage_rejected(why, unit)

    def _run_stages(self, stages: list[str], unit: str) -> None:
        # The first stage reads the records once, so they are not materialized before it.
        source = lines_sql(self.blob) if unit == "lines" else document_sql(self.blob)
        previous = ""
        for number, stage in enumerate(stages, start=1):
            sql = stage.replace("{lines}", source).replace("{document}", source).replace("{prev}", previous)
            if number == len(stages):
                self._create_checked(sql)
            else:
                previous = f"`{self.raw_db}`.`{TEMP_PREFIX}stage{number}_{self.sha[:20]}`"
                self.w.command(f"drop table if exists {previous}")
                self.w.command(f"create table {previous} engine = Memory as {sql}")
                self.temporary.append(previous)

    def stage_rejected(self, why: str, unit: str, after_line: int = 0) -> None:
        """Every record of a file that can't be read (after `after_line`) is quarantined with `why`."""
        if not self.sent:
            self._send_bytes(unit)
        self.w.command(f"drop table if exists {self.checked}")
        if unit == "document":
            records = (
                f"(select toUInt64(1) as _source_line, content as _raw_line, toUInt64(0) as _byte_offset, "
                f"length(content) as _byte_length from {document_sql(self.blob)} where trimBoth(content) != '')"
            )
        else:
            records = lines_sql(self.blob)
        blanks = "".join(
            f"defaultValueOfTypeName({_literal(c.type)}) as `{c.name}`, " for c in self.table.data_columns
        )
        self._create_checked(
            f"select {blanks}_source_line, _raw_line, _byte_offset, _byte_length, "
            f"{_literal('file rejected: ' + why)} as _reason from {records} where _source_line > {int(after_line)}"
        )
        self.status, self.note = "rejected", why

    def stage_python(self, context: LoadContext) -> None:
        names = self.table.column_names
        columns = ",\n  ".join(f"`{c.name}` {c.type}" for c in self.table.data_columns)
        self.w.command(
            f"create table {self.checked} (\n  {columns},\n  `_source_line` UInt64, `_raw_line` String, "
            "`_byte_offset` UInt64, `_byte_length` UInt64, `_reason` String\n) engine = Memory"
        )
        last_line = 0
        frames: list[Frame] = []
        pending: list[Record] = []
        try:
            for item in self.feed.reader.records(self.path, self.table, context):
                if isinstance(item, Frame):
                    frames.append(item)
                    continue
                if isinstance(item, RecordBlock):  # parsed elsewhere, in the staging columns already
                    if pending:
                        self._insert_records(pending, names)
                        pending = []
                    self.w.client.raw_insert(
                        self.checked, block_names(self.table), item.arrow, fmt="ArrowStream",
                        settings={"input_format_null_as_default": 1},
                    )  # fmt: skip
                    last_line = item.last_line
                    continue
                pending.append(item)
                if len(pending) >= BATCH_ROWS:
                    self._insert_records(pending, names)
                    last_line, pending = pending[-1].line, []
            if pending:
                self._insert_records(pending, names)
                last_line = pending[-1].line
        except FileRejected as exc:
            self.stage_rejected(str(exc), self.feed.reader.unit(self.path), after_line=last_line)
        else:
            self.note = frame_note(frames)

    def _insert_records(self, records: list[Record], names: list[str]) -> None:
        blank = {c.name: blank_value(c.type) for c in self.table.data_columns}
        rows = []
        for r in records:
            values = r.values if r.values is not None else blank
            rows.append(
                [
                    *(values[n] for n in names),
                    r.line,
                    r.raw,
                    r.offset,
                    r.length,
                    r.reason or "" if r.values is None else "",
                ]
            )
        all_names = [*names, "_source_line", "_raw_line", "_byte_offset", "_byte_length", "_reason"]
        self.w.client.insert(
            self.checked, rows, column_names=all_names, settings={"input_format_null_as_default": 1}
        )

    # --- settle: keys, quarantine, raw rows, ledger ------------------------------------------------------

    def counts(self) -> tuple[int, int]:
        """(records read, records that failed validation) in the checked table."""
        row = self.w.rows(f"select count(), countIf(_reason != '') from {self.checked}")[0]
        return int(row[0]), int(row[1])

    def verdicts_sql(self) -> str:
        """One row per good record: its verdict (load, duplicate, conflict_*) and what a reason names."""
        t = self.table
        # Hashed as one tuple: a hash of a NULL argument is NULL, which equals nothing, so a row with a
        # NULL column (a recon line's `posted_at`) would never be the duplicate of its own re-delivery.
        key = _tuple_hash(t.key)
        values = _tuple_hash(t.compared_column_names)
        # A versioned row that differs from the current version is a new version, not a conflict.
        conflict_with_loaded = "0" if t.versioned else "e_present = 1"
        if t.entity_key:
            ent = next(c for c in t.columns if c.name == t.entity_key).materialized
            facts = f"`{t.entity_facts}`"
            entity_inner = (
                f", {ent} as ek, {facts} as ef, first_value({facts}) over we as first_ef, "
                "first_value(_source_line) over we as first_e_line"
            )
            entity_window = f", we as (partition by {ent} order by _source_line rows between unbounded preceding and current row)"
            entity_join = f"""
            left join (
                select _entity_key as ek, argMin({facts}, (_loaded_at, _source_line)) as l_ef,
                    argMin(_source_file, (_loaded_at, _source_line)) as l_file,
                    argMin(_source_line, (_loaded_at, _source_line)) as l_line, 1 as l_present
                from {self.target}
                where _entity_key != '' and _entity_key in (select {ent} from {self.checked} where _reason = '')
                group by ek
            ) as l using (ek)"""
            entity_outer = "l_ef, l_file, l_line"
            entity_verdicts = """
                        ek != '' and l_present = 1 and l_ef != ef, 'conflict_entity_loaded',
                        ek != '' and first_ef != ef, 'conflict_entity_batch',"""
        else:
            entity_inner = ", '' as ek, '' as ef, '' as first_ef, toUInt64(0) as first_e_line"
            entity_window = entity_join = entity_verdicts = ""
            entity_outer = "'' as l_ef, '' as l_file, toUInt64(0) as l_line"
        return f"""
            select line, k, first_line, e_file, e_line, ek, ef, first_ef, first_e_line, {entity_outer},
                multiIf(e_present = 1 and e_h = h, 'duplicate',
                        {conflict_with_loaded}, 'conflict_loaded',{entity_verdicts}
                        rn = 1, 'load',
                        h = first_h, 'duplicate',
                        'conflict_batch') as verdict
            from (
                select _source_line as line, {key} as k, {values} as h,
                    row_number() over w as rn,
                    first_value({values}) over w as first_h,
                    first_value(_source_line) over w as first_line{entity_inner}
                from {self.checked} where _reason = ''
                window w as (partition by {key} order by _source_line rows between unbounded preceding and current row){entity_window}
            ) as i
            left join (
                select {key} as k, argMax({values}, (_loaded_at, _source_line)) as e_h,
                    any(_source_file) as e_file, any(_source_line) as e_line, 1 as e_present
                from {self.target}
                where {key} in (select {key} from {self.checked} where _reason = '')
                group by k
            ) as e using (k){entity_join}
        """

    def settle(self, checkpoint: Callable[[str], None]) -> tuple[int, int, int]:
        """Quarantine, then load the raw rows; returns (read, loaded, quarantined)."""
        t = self.table
        key_names = ", ".join(t.key)
        # A record is its position and its key: one input record may give several rows (a FHIR Encounter's
        # events share its position), each with its own verdict.
        verdicts = f"`{self.raw_db}`.`{TEMP_PREFIX}verdicts_{self.sha[:20]}`"
        self.w.command(f"drop table if exists {verdicts}")
        self.w.command(f"create table {verdicts} engine = Memory as {self.verdicts_sql()}")
        checkpoint("staged")
        excerpt = f"toValidUTF8(left(r, {EXCERPT_BYTES}))"
        entity_reason = (
            "concat('states a different fact about ', ek, ' than ', {where}, ': ', {first}, ' there, ', "
            "{this}, ' here; facts never change, so this one is not loaded')"
        )
        shown_ef = "if(length({0}) > 300, concat(substring({0}, 1, 300), '…'), {0})"
        reason = f"""multiIf(
            verdict = 'conflict_loaded',
                concat('a row with the same key ({key_names}) was loaded before from ', e_file,
                       ' line ', toString(e_line), ' with different values; not loaded again'),
            verdict = 'conflict_batch',
                concat('line ', toString(first_line), ' of this file has the same key ({key_names}) ',
                       'with different values; only the first was loaded'),
            verdict = 'conflict_entity_loaded',
                {entity_reason.format(where="concat(l_file, ' line ', toString(l_line))", first=shown_ef.format("l_ef"), this=shown_ef.format("ef"))},
            {entity_reason.format(where="concat('line ', toString(first_e_line), ' of this file')", first=shown_ef.format("first_ef"), this=shown_ef.format("ef"))})"""
        bad = f"""
            select _source_line as line, _raw_line as r, _byte_offset as o, _byte_length as n, _reason as why
            from {self.checked} where _reason != ''
            union all
            select c._source_line, c._raw_line, c._byte_offset, c._byte_length, {reason}
            from {verdicts} as v inner join {self.checked} as c
                on c._source_line = v.line and {_tuple_hash(t.key, "c.")} = v.k
            where v.verdict like 'conflict%' and c._reason = ''"""
        try:
            self.w.command(
                f"insert into `{self.raw_db}`.quarantine ({_quarantine_columns()}) "
                "select {feed:String}, {batch:String}, {source:String}, line, "
                f"{excerpt}, why, now64(3, 'UTC'), o, n, {{sha:String}} from ({bad})",
                self.params,
            )
            checkpoint("quarantined")
            names = ", ".join(f"`{n}`" for n in t.column_names)
            self.w.command(
                f"insert into {self.target} ({names}, _batch_id, _source_file, _source_line, _loaded_at) "
                f"select {names}, {{batch:String}}, {{source:String}}, _source_line, {{loaded:DateTime64(3, 'UTC')}} "
                f"from {self.checked} where _reason = '' "
                f"and (_source_line, {_tuple_hash(t.key)}) in (select line, k from {verdicts} where verdict = 'load')",
                {**self.params, "loaded": self.started},
            )
            checkpoint("raw_inserted")
            counts = dict(self.w.rows(f"select verdict, count() from {verdicts} group by verdict"))
        finally:
            self.w.command(f"drop table if exists {verdicts}")
        read, invalid = self.counts()
        conflicts = sum(v for k, v in counts.items() if k.startswith("conflict"))
        return read, counts.get("load", 0), invalid + conflicts

    def commit(self, status: str, note: str, read: int, loaded: int, quarantined: int) -> BatchResult:
        skipped = read - loaded - quarantined
        result = BatchResult(
            self.feed.name, self.source, self.batch_id, status, note, read, loaded, quarantined, skipped
        )
        row = {
            "_batch_id": self.batch_id,
            "feed": self.feed.name,
            "source_file": self.source,
            "content_sha256": self.sha,
            "file_bytes": self.size,
            "status": status,
            "note": note,
            "rows_read": read,
            "rows_loaded": loaded,
            "rows_quarantined": quarantined,
            "rows_skipped": skipped,
            "started_at": self.started,
            "finished_at": datetime.now(UTC),
            "config_sha256": self.config,
        }
        # Bound parameters, not client.insert: its first call in a process imports pandas (a second or more).
        names = ", ".join(f"`{c.name}`" for c in LOAD_LEDGER.columns)
        values = ", ".join(f"{{{c.name}:{c.type}}}" for c in LOAD_LEDGER.columns)
        self.w.command(f"insert into `{self.raw_db}`.load_ledger ({names}) select {values}", row)
        return result

    def cleanup(self) -> None:
        for table in self.temporary:
            self.w.command(f"drop table if exists {table}")


def frame_note(frames: list[Frame]) -> str:
    """The ledger's note on a file's frame lines (not records): 'not records: header block lines 1-9,
    table header line 10, footer lines 52-60'."""
    if not frames:
        return ""
    spans: list[tuple[str, int, int]] = []
    for f in sorted(frames, key=lambda f: f.line):
        if spans and spans[-1][0] == f.part and spans[-1][2] == f.line - 1:
            spans[-1] = (f.part, spans[-1][1], f.line)
        else:
            spans.append((f.part, f.line, f.line))
    shown = [f"{part} line{'s' if a != b else ''} {a}{f'-{b}' if a != b else ''}" for part, a, b in spans]
    more = f" and {len(shown) - 12} more spans" if len(shown) > 12 else ""
    return f"not records ({len(frames)} lines of the file's frame): " + ", ".join(shown[:12]) + more


def _tuple_hash(columns: list[str] | tuple[str, ...], prefix: str = "") -> str:
    """SQL hashing `columns` (of the table aliased by `prefix`) as one tuple: 128 bits (xxh3, ten times
    as fast as sipHash128 here; a NULL and '' hash apart, as do 'ab','c' and 'a','bc')."""
    return "xxh3_128(tuple(" + ", ".join(f"{prefix}`{c}`" for c in columns) + "))"


def _blank(path: Path, size: int) -> bool:
    """Nothing but white space (or a byte-order mark) in the file."""
    return size == 0 or (size < 4096 and not path.read_bytes().strip(b" \t\r\n\xef\xbb\xbf"))


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _no_checkpoint(_: str) -> None:
    return None


def load_file(
    warehouse: Warehouse,
    feed: Feed,
    path: Path,
    context: LoadContext,
    *,
    source: str | None = None,
    checkpoint: Callable[[str], None] = _no_checkpoint,
) -> BatchResult:
    """Load `path` as `feed` into its raw table; see the module docstring for the guarantees.

    `checkpoint(name)` is called at each of CHECKPOINTS (the crash-recovery tests die there)."""
    batch = _Batch(warehouse, feed, feed.table_for(path), path, source or str(path))
    if batch.already_loaded():
        return BatchResult(feed.name, batch.source, batch.batch_id, ALREADY_LOADED, "", 0, 0, 0, 0)
    batch.start()
    try:
        if _blank(path, batch.size):
            batch.status, batch.note = "empty", "the file has no data rows"
            return batch.commit(batch.status, batch.note, 0, 0, 0)
        if not feed.accepts(path):
            why = f"{path.name} is not a {feed.name} file (expected {', '.join(feed.patterns)})"
            unit = feed.reader.unit(path)
            batch.stage_rejected(why, "document" if path.suffix.lower() == ".json" else unit)
        elif feed.reader.kind == "engine":
            batch.stage_engine(context)
        else:
            batch.stage_python(context)
        read, loaded, quarantined = batch.settle(checkpoint)
        if read == 0 and batch.status == "loaded":
            batch.status, batch.note = "empty", "the file has no data rows"
        checkpoint("before_ledger")
        return batch.commit(batch.status, batch.note, read, loaded, quarantined)
    finally:
        batch.cleanup()


__all__ = [
    "ALREADY_LOADED",
    "CHECKPOINTS",
    "METADATA_COLUMNS",
    "BatchResult",
    "drop_leftover_tables",
    "load_file",
]
