"""What a feed declares about itself, once: its tables, columns, types, keys, sensitivity and files.

Everything that restates a feed's contract is derived from its spec or checked against it (tests fail on
drift): the raw DDL (`TableSpec.ddl`), dbt's `_<source>__sources.yml` (`sources_yaml`), the Dagster asset
specs (orchestration/ingestion_assets.py), the data dictionary's raw rows (dictionary/catalog.py), the
sample generator's headers (`FeedSpec.header`) and the column lists in docs/ (`docs_columns`).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Literal

Sensitivity = Literal["phi", "pii", "financial", "none"]
SENSITIVITIES: tuple[str, ...] = ("phi", "pii", "financial", "none")
# How one record is positioned in its source file, for the quarantine and the raw `_source_line`.
Position = Literal["line", "json_item", "hl7_message", "page"]
# engine: ClickHouse reads the file's bytes and SQL casts and validates (large CSV / NDJSON / JSON feeds);
# python: the feed's reader parses each record in Python (small feeds, formats the engine can't parse).
ReaderKind = Literal["engine", "python"]


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # ClickHouse type
    description: str
    sensitivity: Sensitivity = "none"
    # Stored but computed by ClickHouse at insert from other columns (a MATERIALIZED column): not part
    # of the file's contract, not in `select *`, used by the loader (e.g. an entity key).
    materialized: str = ""

    def __post_init__(self) -> None:
        if self.sensitivity not in SENSITIVITIES:
            raise ValueError(f"column {self.name}: sensitivity must be one of {', '.join(SENSITIVITIES)}")


METADATA_COLUMNS: tuple[Column, ...] = (
    Column("_batch_id", "String", "Load batch (one per loaded file)."),
    Column("_source_file", "String", "File the row was read from."),
    Column("_source_line", "UInt64", "Position of the row in its file (line, JSON item, message or page)."),
    Column("_loaded_at", "DateTime64(3, 'UTC')", "When the row was loaded (UTC)."),
)


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    columns: tuple[Column, ...]  # the data columns, in load order
    key: tuple[str, ...]  # natural key: a row whose key is loaded already is not loaded again
    # Versioned (reference data): a row whose key is loaded with other values is a new version, loaded
    # and made current. Not versioned (facts): a loaded key never changes; a row that tries is quarantined.
    versioned: bool = False
    # Facts about one entity that arrive under different natural keys (an event re-sent under a new id):
    # the MATERIALIZED column holding the entity's key ('' when the row is about no such entity) and the
    # column whose value must not differ between two rows of one entity.
    entity_key: str = ""
    entity_facts: str = ""
    metadata: bool = True  # carries the load metadata columns (every raw table of a feed does)
    # An answer observed over and over (a gateway's status of a refund): the column saying when (or in which
    # delivery: an NHCX message's x-hcx-api_call_id) this row was observed. It is stored but is not part of what makes two rows the same, so a row equal to the
    # current version in every other column is a repeat and adds nothing; a changed answer is a new version.
    observed_at: str = ""
    # The column saying when the record's event happened at its source (a Date is the start of that IST
    # day), '' when the data has none: the integration health mart's lag is from it to `_loaded_at`
    # (stg_raw__record_event_times, generated from it by ingestion.spec_artifacts).
    event_time: str = ""

    def __post_init__(self) -> None:
        names = [c.name for c in self.all_columns]
        keys = (*self.key, self.entity_key, self.entity_facts, self.observed_at, self.event_time)
        missing = [k for k in keys if k and k not in names]
        if missing:
            raise ValueError(f"table {self.name}: key column(s) {', '.join(missing)} not among its columns")
        if self.observed_at in self.key:
            raise ValueError(
                f"table {self.name}: the observation time {self.observed_at} can't be in the key"
            )

    @property
    def data_columns(self) -> tuple[Column, ...]:
        """The columns a reader supplies (materialized ones are computed by the engine)."""
        return tuple(c for c in self.columns if not c.materialized)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.data_columns]

    @property
    def compared_column_names(self) -> list[str]:
        """The columns whose values make two rows of one key the same (all but the observation time)."""
        return [n for n in self.column_names if n != self.observed_at]

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return (*self.columns, *(METADATA_COLUMNS if self.metadata else ()))

    @property
    def stored_columns(self) -> tuple[Column, ...]:
        """What `select *` returns: data and metadata columns, without the materialized ones."""
        return tuple(c for c in self.all_columns if not c.materialized)

    def ddl(self, database: str) -> str:
        def column(c: Column) -> str:
            kind = f" MATERIALIZED {c.materialized}" if c.materialized else ""
            return f"`{c.name}` {c.type}{kind} comment {_sql_text(c.description)}"

        cols = ",\n  ".join(column(c) for c in self.all_columns)
        order = ", ".join(f"`{k}`" for k in self.key) or "tuple()"
        return (
            f"create table if not exists `{database}`.`{self.name}` (\n  {cols}\n)\n"
            f"engine = MergeTree order by ({order})\ncomment {_sql_text(self.description)}"
        )


@dataclass(frozen=True)
class Freshness:
    """How soon after the last new row of a feed's tables the next is expected: dbt's source freshness on
    `_loaded_at` (warn, then error) and Dagster's freshness check per raw table (orchestration/
    freshness.py, at the error window) both read it. Hours `None`: rows arrive only when something
    changes (reference data, answers to questions asked), so no age is wrong; `why` says so."""

    warn_after_hours: int | None
    error_after_hours: int | None
    why: str

    def __post_init__(self) -> None:
        hours = (self.warn_after_hours, self.error_after_hours)
        if (None in hours) != (hours == (None, None)):
            raise ValueError("freshness: give both windows, or neither")
        if self.warn_after_hours is not None and not 0 < self.warn_after_hours < self.error_after_hours:
            raise ValueError("freshness: 0 < warn_after_hours < error_after_hours")

    @property
    def expected(self) -> bool:
        return self.error_after_hours is not None


# Loaded by the daily 06:00 IST run (orchestration/schedules.py): a day, and slack for a late run.
DAILY = Freshness(26, 50, "arrives all day; the daily run loads it")
# Settled T+1/T+2 on bank working days: a long weekend is three days without a file.
BANK_DAYS = Freshness(74, 98, "arrives on bank working days; a long weekend has none")
UNSCHEDULED = Freshness(None, None, "arrives only when something changes")


@dataclass(frozen=True)
class FeedSpec:
    name: str
    description: str
    source: str  # the dbt source name (staging models are stg_<source>__<entity>s)
    folder: str  # under a data directory
    patterns: tuple[str, ...]  # file name globs in that folder; other files there are rejected
    tables: tuple[TableSpec, ...]
    position: Position
    reader: ReaderKind
    # The columns a CSV file of this feed carries in its header, per table, in the order the sample
    # generator writes them (empty for non-CSV feeds).
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # A multi-table feed: which file (by stem, e.g. `doctors` for doctors.csv) loads into which table.
    routes: dict[str, str] = field(default_factory=dict)
    # Subfolders of `folder` whose files are the feed's too (e.g. `api`, where a pull from the gateway
    # stores what it fetched; `*` for every subfolder but those in `other_feeds_subfolders`). Other
    # subfolders are not read.
    subfolders: tuple[str, ...] = ()
    other_feeds_subfolders: tuple[str, ...] = ()
    # File names in the feed's folders that configure the feed (a gateway's profile.yaml): never loaded.
    config_files: tuple[str, ...] = ()
    # File names in the data folder's `<source>/` that configure every file of the feed (ADT's
    # adt/senders.yaml): found in the file's nearest ancestor folder named `source`; never loaded.
    source_config_files: tuple[str, ...] = ()
    # Tables whose files a data directory may leave out (e.g. the reference feed's mapping tables): the
    # sample generator need not write them, and a data directory without them loads as before.
    optional_tables: tuple[str, ...] = ()
    # How often the feed's rows are expected (every feed states it: tests/ingestion/test_feed_specs.py)
    freshness: Freshness | None = None

    def __post_init__(self) -> None:
        for table, header in self.headers.items():
            if table not in {t.name for t in self.tables}:
                raise ValueError(f"feed {self.name}: header for unknown table {table}")
            if not header:
                raise ValueError(f"feed {self.name}: empty header for {table}")
        for table in self.optional_tables:
            if table not in {t.name for t in self.tables}:
                raise ValueError(f"feed {self.name}: unknown optional table {table}")

    def table(self, name: str | None = None) -> TableSpec:
        if name is None:
            if len(self.tables) != 1:
                raise ValueError(f"feed {self.name} has {len(self.tables)} tables; name one")
            return self.tables[0]
        return next(t for t in self.tables if t.name == name)

    def table_for(self, path: PurePath) -> TableSpec:
        if len(self.tables) == 1:
            return self.tables[0]
        return self.table(self.routes[path.stem]) if path.stem in self.routes else self.tables[0]

    def header(self, table: str | None = None) -> tuple[str, ...]:
        return self.headers[self.table(table).name]

    def accepts(self, path: PurePath) -> bool:
        return any(path.match(pattern) for pattern in self.patterns)


def _sql_text(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _folded(key: str, text: str, indent: int, width: int = 104) -> list[str]:
    pad = " " * indent
    one = f"{pad}{key}: {text}"
    plain_ok = not any(ch in text for ch in ":#{}[]&*!|>'\"%@`") and not text.startswith("-")
    if len(one) <= width and plain_ok:
        return [one]
    lines = textwrap.wrap(text, width=width - indent - 2, break_long_words=False, break_on_hyphens=False)
    return [f"{pad}{key}: >", *(f"{pad}  {line}" for line in lines)]


def sources_yaml(feeds: tuple[FeedSpec, ...]) -> str:
    """dbt's `_<source>__sources.yml` for the feeds of one source, generated from their specs."""
    source = feeds[0].source
    if any(f.source != source for f in feeds):
        raise ValueError("one sources file per dbt source")
    out = [
        "# Generated from the feed spec(s) in ingestion/feeds/ by `python -m ingestion.spec_artifacts write`; edit",
        "# the spec, not this file (tests/ingestion/test_feed_specs.py fails when the two differ).",
        "version: 2",
        "",
        "sources:",
        f"  - name: {source}",
        *_folded("description", " ".join(f.description for f in feeds), 4),
        "    schema: \"{{ env_var('MYMEDIC_DB_PREFIX', '') }}raw\"",
        "    tables:",
    ]
    for feed in feeds:
        for table in feed.tables:
            key = ", ".join(table.key)
            out += [f"      - name: {table.name}"]
            out += _folded("description", f"{table.description} Natural key ({key}).", 8)
            out += _freshness_yaml(feed.freshness)
            out += ["        columns:"]
            for c in table.stored_columns:
                out += [f"          - name: {c.name}"]
                out += _folded("description", c.description, 12)
                if c.sensitivity != "none":
                    out += ["            meta:", f"              sensitivity: {c.sensitivity}"]
    return "\n".join(out) + "\n"


def _freshness_yaml(freshness: Freshness | None) -> list[str]:
    if freshness is None:
        return []
    if not freshness.expected:
        return [f"        # freshness: none expected ({freshness.why})", "        freshness: null"]
    return [
        f"        # freshness: {freshness.why}",
        "        loaded_at_field: _loaded_at",
        "        freshness:",
        f"          warn_after: {{count: {freshness.warn_after_hours}, period: hour}}",
        f"          error_after: {{count: {freshness.error_after_hours}, period: hour}}",
    ]


def event_time_sql(feeds: tuple[FeedSpec, ...]) -> str:
    """dbt's stg_raw__record_event_times: each loaded record's event time (the column its table's spec names
    as `event_time`) and load time, named by its feed."""
    parts = [
        (feed.name, feed.source, table, next(c for c in table.columns if c.name == table.event_time))
        for feed in feeds
        for table in feed.tables
        if table.event_time
    ]
    out = [
        "{#- Generated from the feed specs' `event_time` by `python -m ingestion.spec_artifacts write`; edit the",
        "    specs, not this file. Each committed record whose event time is known, with its load time. -#}",
        "with",
        "",
    ]
    for name, source, table, column in parts:
        is_date = column.type.removeprefix("Nullable(").startswith("Date") and "DateTime" not in column.type
        event_at = (
            f"toDateTime64(toDateTime({column.name}, 'Asia/Kolkata'), 3, 'UTC')"
            if is_date
            else f"toDateTime64({column.name}, 3, 'UTC')"
        )
        out += [
            f"{table.name} as (",
            "    select",
            f"        '{name}' as feed,",
            f"        {event_at} as event_at,",
            "        _loaded_at as loaded_at",
            f"    from ({{{{ committed_rows(source('{source}', '{table.name}')) }}}})",
            f"    where {column.name} is not null",
            "),",
            "",
        ]
    selects = [f"    select * from {table.name}" for _, _, table, _ in parts]
    out += ["unioned as (", *"\n    union all\n".join(selects).split("\n"), "),", ""]
    out += [
        "final as (",
        "    select",
        "        feed,",
        "        toDateTime64(assumeNotNull(event_at), 3, 'UTC') as event_at,",
        "        toDateTime64(loaded_at, 3, 'UTC') as loaded_at",
        "    from unioned",
        ")",
        "",
        "select * from final",
    ]
    return "\n".join(out) + "\n"


def docs_columns(table: TableSpec) -> str:
    """The column list of a raw table as docs/ writes it: `name Type, name Type, …`."""
    return ", ".join(f"{c.name} {c.type}" for c in table.data_columns)
