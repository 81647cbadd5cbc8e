"""`exports.audit`: one row per event of a bundle (produced, delivered, delivery failed, failed), append-only.
The dead-letter list is the rows whose delivery failed for good (`dead_letter`)."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from core.warehouse import Warehouse

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
)


class AuditEvent(BaseModel):
    event: str
    actor: str
    bundle: str
    recipient: str = ""
    spec_json: str = ""
    period_label: str = ""
    phi_level: str = ""
    bundle_file: str = ""
    bundle_sha256: str = ""
    file_hashes: dict[str, str] = Field(default_factory=dict)
    row_count: int = 0
    delivery: str = ""
    outcome: str = "ok"
    dead_letter: bool = False


def ensure_audit_table(warehouse: Warehouse) -> str:
    database = warehouse.db(AUDIT_DATABASE)
    warehouse.command(f"create database if not exists `{database}`")
    columns = ", ".join(f"`{name}` {kind}" for name, kind in COLUMNS)
    warehouse.command(
        f"create table if not exists `{database}`.`{AUDIT_TABLE}` ({columns}) "
        "engine = MergeTree order by (bundle, recorded_at, audit_id)"
    )
    return f"{database}.{AUDIT_TABLE}"


def record(warehouse: Warehouse, event: AuditEvent) -> None:
    table = ensure_audit_table(warehouse)
    values = {
        "audit_id": secrets.token_hex(8),
        "recorded_at": datetime.now(UTC),
        "file_hashes_json": json.dumps(event.file_hashes, sort_keys=True),
        **event.model_dump(exclude={"file_hashes"}),
    }
    names = [name for name, _ in COLUMNS]
    warehouse.client.insert(table, [[values[n] for n in names]], column_names=names)


def audit_rows(warehouse: Warehouse, *, bundle: str | None = None) -> list[dict]:
    table = ensure_audit_table(warehouse)
    where = "where bundle = {b:String}" if bundle else ""
    return warehouse.dicts(
        f"select * from {table} {where} order by recorded_at, audit_id", {"b": bundle or ""}
    )


def dead_letters(warehouse: Warehouse) -> list[dict]:
    table = ensure_audit_table(warehouse)
    return warehouse.dicts(f"select * from {table} where dead_letter order by recorded_at, audit_id")
