"""The raw database: every feed's tables (from the feed specs), the quarantine, the load ledger and the
quarantine's fixes.

Raw tables are append-only MergeTree; every feed table carries the load metadata columns. They are
written only by the loader (ingestion/loader.py) and read only by dbt's staging models, which see the
rows of committed loads only (a load commits with its ledger row).
"""

from __future__ import annotations

from core.warehouse import Warehouse
from core.warehouse.export_audit import ensure_audit_table
from ingestion.feeds import FEEDS
from ingestion.spec import Column, TableSpec

EXCERPT_BYTES = 4096  # the quarantine keeps at most this much of a record's raw text

QUARANTINE = TableSpec(
    "quarantine",
    "Input records that were not loaded, with the reason a person can act on. Patient-linked: an excerpt "
    "of the record as received (booking events carry patient ids, statements name payers).",
    (
        Column("feed", "String", "The feed the record came in."),
        Column("_batch_id", "String", "Load batch (one per loaded file); its ledger row commits it."),
        Column("_source_file", "String", "File the record was read from."),
        Column(
            "_source_line", "UInt64", "Position of the record in its file (line, JSON item, message or page)."
        ),
        Column("raw_line", "String", f"The record as received, cut at {EXCERPT_BYTES} bytes.", "phi"),
        Column(
            "reason", "String", "Why the record was not loaded: the field, the value and what was expected."
        ),
        Column("_quarantined_at", "DateTime64(3, 'UTC')", "When it was quarantined (UTC)."),
        Column("byte_offset", "UInt64", "Byte offset of the record in its file (0 for a JSON item)."),
        Column(
            "byte_length", "UInt64", "The record's length in bytes; more than raw_line holds when it was cut."
        ),
        Column(
            "content_sha256",
            "String",
            "SHA-256 of the whole file: with the offset and length, a reference to the record.",
        ),
    ),
    key=("feed", "_source_file", "_source_line"),
    metadata=False,
)

LOAD_LEDGER = TableSpec(
    "load_ledger",
    "One row per loaded file: rows read = loaded + quarantined + skipped as duplicates. A load's rows "
    "(raw and quarantine) count only once its ledger row exists.",
    (
        Column("_batch_id", "String", "Load batch: the feed and the file's content hash."),
        Column("feed", "String", "The feed."),
        Column("source_file", "String", "The file, relative to the data directory."),
        Column("content_sha256", "String", "SHA-256 of the file's bytes."),
        Column("file_bytes", "UInt64", "Size of the file."),
        Column("status", "String", "loaded | rejected | empty."),
        Column(
            "note",
            "String",
            "Why a file was rejected or empty; for a loaded file with a frame (a statement's header block, "
            "table header, footer), which of its lines were not records.",
        ),
        Column("rows_read", "UInt64", "Records read from the file."),
        Column("rows_loaded", "UInt64", "Records loaded into the raw table."),
        Column("rows_quarantined", "UInt64", "Records quarantined."),
        Column("rows_skipped", "UInt64", "Records skipped as duplicates of loaded ones."),
        Column("started_at", "DateTime64(3, 'UTC')", "When the load started (UTC)."),
        Column("finished_at", "DateTime64(3, 'UTC')", "When it committed (UTC)."),
        Column(
            "config_sha256",
            "String",
            "SHA-256 of the configuration the file was read with (its folder's profile.yaml), '' when none: a "
            "rejected file is read again once that changes.",
        ),
    ),
    key=("feed", "content_sha256"),
    metadata=False,
)

QUARANTINE_FIXES = TableSpec(
    "quarantine_fixes",
    "Quarantined records an operator fixed: the corrected file they supplied was loaded by the normal loader "
    "(its own ledger row) and loaded the record. The quarantine row itself is kept; a record is open while "
    "it has no row here (the operator page, docs/operator-page.md).",
    (
        Column("feed", "String", "The feed of the quarantined record."),
        Column("_batch_id", "String", "The load batch that quarantined the record."),
        Column("_source_line", "UInt64", "The record's position in that batch's file."),
        Column("_source_file", "String", "The file that batch read."),
        Column("fixed_by_batch_id", "String", "The load batch of the corrected file (its ledger row)."),
        Column("fixed_by_file", "String", "The corrected file, relative to the data directory."),
        Column("fixed_by", "String", "Who supplied it: `staff:` and the staff token's subject."),
        Column("fixed_at", "DateTime64(3, 'UTC')", "When the corrected file's load committed (UTC)."),
    ),
    key=("feed", "_batch_id", "_source_line"),
    metadata=False,
)

# The data-quality history beside the marts: written by the orchestration after every step that evaluated
# checks (orchestration/dq_history.py), read by dbt as the `quality` source (fct_dq_daily). Created with the
# raw tables so that dbt finds it before the first run has recorded anything.
DQ_DATABASE = "marts"
DQ_RESULTS = TableSpec(
    "dq_results",
    "One row per check evaluated in a Dagster run (dbt tests and the feeds' asset checks): its status, "
    "severity and failing rows. Append-only; a run's rows are written after the step that ran its checks.",
    (
        Column("run_id", "String", "The Dagster run (open it in the Dagster UI: /runs/<run_id>)."),
        Column("job_name", "String", "The Dagster job the run ran (reconcile_everything, ingest_<feed>, …)."),
        Column("step_key", "String", "The run's step that evaluated the check (its log is in the run)."),
        Column("asset_key", "String", "The asset checked, as raw/<table>, staging/<model> or marts/<model>."),
        Column(
            "check_name", "String", "The check: the dbt test's name, or the asset check's (rows_conserved)."
        ),
        Column("description", "String", "What the check checks, in a sentence."),
        Column("status", "LowCardinality(String)", "passed | failed (a failed WARN check only warns)."),
        Column("severity", "LowCardinality(String)", "ERROR (a failure stops the serving copy) | WARN."),
        Column(
            "failing_rows",
            "Nullable(UInt64)",
            "Rows the check found wrong (a dbt test's failures); null when the check does not count rows.",
        ),
        Column("checked_at", "DateTime64(3, 'UTC')", "When the check was evaluated (UTC)."),
    ),
    key=("run_id", "asset_key", "check_name"),
    metadata=False,
)

FEED_TABLES: tuple[TableSpec, ...] = tuple(t for feed in FEEDS for t in feed.tables)
RAW_TABLES: tuple[TableSpec, ...] = (*FEED_TABLES, QUARANTINE, LOAD_LEDGER, QUARANTINE_FIXES)
# Every table the platform writes that dbt reads as a source.
SOURCE_TABLES: tuple[TableSpec, ...] = (*RAW_TABLES, DQ_RESULTS)


def create_raw_tables(warehouse: Warehouse) -> None:
    """Create the raw database and its tables if absent, and add columns a newer spec declares (idempotent);
    the data-quality history table; and the exports' audit table, empty until a bundle runs, so that dbt's
    `exports` source always exists."""
    _create_tables(warehouse, "raw", RAW_TABLES)
    create_dq_results_table(warehouse)
    ensure_audit_table(warehouse)


def create_dq_results_table(warehouse: Warehouse) -> str:
    """`marts.dq_results` if absent (idempotent); returns its qualified name."""
    _create_tables(warehouse, DQ_DATABASE, (DQ_RESULTS,))
    return f"`{warehouse.db(DQ_DATABASE)}`.`{DQ_RESULTS.name}`"


def _create_tables(warehouse: Warehouse, database: str, tables: tuple[TableSpec, ...]) -> None:
    db = warehouse.db(database)
    warehouse.command(f"create database if not exists `{db}`")
    for table in tables:
        warehouse.command(table.ddl(db))
        present = {
            r[0]
            for r in warehouse.rows(
                "select name from system.columns where database = {db:String} and table = {t:String}",
                {"db": db, "t": table.name},
            )
        }
        for column in table.all_columns:
            if column.name not in present:
                kind = f" materialized {column.materialized}" if column.materialized else ""
                warehouse.command(
                    f"alter table `{db}`.`{table.name}` add column `{column.name}` {column.type}{kind}"
                )
