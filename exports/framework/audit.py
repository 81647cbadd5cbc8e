"""`exports.audit`: one row per event of a bundle (produced, delivered, delivery failed, failed), append-only.
The dead-letter list is the rows whose delivery failed for good (`dead_letter`)."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from core.warehouse import Warehouse
from core.warehouse.export_audit import COLUMNS, ensure_audit_table


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
    attempts: int = 1


def record(warehouse: Warehouse, event: AuditEvent, *, at: datetime | None = None) -> None:
    """Append one event, recorded at `at` (now when not given)."""
    table = ensure_audit_table(warehouse)
    values = {
        "audit_id": secrets.token_hex(8),
        "recorded_at": at or datetime.now(UTC),
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
