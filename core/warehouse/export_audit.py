"""The exports' audit table (`exports.audit`, written by exports/framework/audit.py): its columns and its
creation, here below both layers so that the raw tables' setup (ingestion/tables.py) creates it empty too
and dbt's `exports` source exists before any bundle ran."""

from __future__ import annotations

from core.warehouse.client import Warehouse

AUDIT_DATABASE = "exports"
AUDIT_TABLE = "audit"
COLUMNS = (
    ("audit_id", "String"),
    ("recorded_at", "DateTime64(3, 'UTC')"),
    ("event", "LowCardinality(String)"),  # produced | delivered | delivery_failed | failed
    ("actor", "String"),  # who or what: cli:<user>, dagster:<run id>
    ("bundle", "String"),
    ("recipient", "String"),
    ("spec_json", "String"),
    ("period_label", "String"),
    ("phi_level", "LowCardinality(String)"),
    ("bundle_file", "String"),
    ("bundle_sha256", "String"),
    ("file_hashes_json", "String"),
    ("row_count", "UInt64"),
    ("delivery", "String"),  # folder:<path> | sftp://user@host:port/path | empty
    ("outcome", "String"),  # ok, or the error in one line
    ("dead_letter", "Bool"),
    ("attempts", "UInt32"),  # a delivery's upload attempts (retries are the ones after the first)
)
DEFAULTS = {"attempts": "1"}  # what rows written before a column existed hold
ORDER_BY = ("bundle", "recorded_at", "audit_id")


def ensure_audit_table(warehouse: Warehouse) -> str:
    database = warehouse.db(AUDIT_DATABASE)
    warehouse.command(f"create database if not exists `{database}`")
    columns = ", ".join(_column(name, kind) for name, kind in COLUMNS)
    warehouse.command(
        f"create table if not exists `{database}`.`{AUDIT_TABLE}` ({columns}) "
        f"engine = MergeTree order by ({', '.join(ORDER_BY)})"
    )
    present = {
        r[0]
        for r in warehouse.rows(
            "select name from system.columns where database = {db:String} and table = {t:String}",
            {"db": database, "t": AUDIT_TABLE},
        )
    }
    for name, kind in COLUMNS:  # a column added since the table was created: its old rows take the default
        if name not in present:
            warehouse.command(f"alter table `{database}`.`{AUDIT_TABLE}` add column {_column(name, kind)}")
    return f"{database}.{AUDIT_TABLE}"


def _column(name: str, kind: str) -> str:
    default = f" default {DEFAULTS[name]}" if name in DEFAULTS else ""
    return f"`{name}` {kind}{default}"
