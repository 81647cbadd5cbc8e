"""Transactional outbox: events are written with the state change; `export_events` ships them as NDJSON.

Export claims the pending rows with one UPDATE (portable: on PostgreSQL a concurrent exporter waits for the
row locks and then skips the rows; on SQLite the write transaction is exclusive), writes them to a file,
and commits. If the commit fails the file is removed; if the process dies between the file and the commit,
the events are exported again later (the ingestion de-duplicates on the event id).
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from booking.domain.clock import rfc3339
from booking.domain.events import EVENT_TYPES
from booking.infra.db import Database
from booking.infra.models import OutboxEvent

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
FILE_PREFIX = "booking-outbox"

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, sort_keys=False).encode


def emit(
    session: Session,
    *,
    tenant_id: str,
    branch_id: str,
    event_type: str,
    subject: str,
    data: dict[str, Any],
    at: datetime,
) -> OutboxEvent:
    """Add one CloudEvent to the outbox in the caller's transaction (its `data` checked against the contract)."""
    model = EVENT_TYPES.get(event_type)
    if model is None:
        raise ValueError(f"{event_type!r} is not an event type of the contract")
    checked = model.model_validate(data).model_dump()
    event_id = str(uuid.uuid4())
    body = {
        "specversion": SPECVERSION,
        "id": event_id,
        "source": f"mymedic/booking/{branch_id}",
        "type": event_type,
        "time": rfc3339(at),
        "subject": subject,
        "datacontenttype": CONTENT_TYPE,
        "tenantid": tenant_id,
        "branchid": branch_id,
        "data": checked,
    }
    row = OutboxEvent(
        event_id=event_id,
        tenant_id=tenant_id,
        branch_id=branch_id,
        event_type=event_type,
        subject=subject,
        event_time=at,
        body=_encode(body),
    )
    session.add(row)
    return row


@dataclass
class ExportResult:
    files: list[Path] = field(default_factory=list)
    events: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    by_tenant: Counter[str] = field(default_factory=Counter)


def pending_count(db: Database, tenant_id: str | None = None) -> int:
    with db.read() as s:
        query = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.exported_at.is_(None))
        if tenant_id:
            query = query.where(OutboxEvent.tenant_id == tenant_id)
        return int(s.scalar(query) or 0)


def _write_file(path: Path, lines: list[str]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines))
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def _file_for(out_dir: Path, tenant_id: str, first: int, last: int, batch: str) -> Path:
    path = out_dir / f"{FILE_PREFIX}-{tenant_id}-{first:012d}-{last:012d}.ndjson"
    if path.exists():  # e.g. a recreated database exporting into the same folder: never overwrite
        path = path.with_name(f"{path.stem}-{batch[:12]}.ndjson")
    return path


def export_events(
    db: Database,
    out_dir: Path,
    *,
    tenant_id: str | None = None,
    batch_size: int = 20_000,
) -> ExportResult:
    """Write every not-yet-exported event (of `tenant_id`, or all) to `out_dir` as NDJSON, one file per
    tenant and batch, and mark them exported in the same transaction. Returns what was written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    result = ExportResult()
    while True:
        batch = uuid.uuid4().hex
        written: list[Path] = []
        try:
            with db.write() as s:
                pending = select(OutboxEvent.seq).where(OutboxEvent.exported_at.is_(None))
                if tenant_id:
                    pending = pending.where(OutboxEvent.tenant_id == tenant_id)
                pending = pending.order_by(OutboxEvent.seq).limit(batch_size)
                s.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.seq.in_(pending.scalar_subquery()), OutboxEvent.exported_at.is_(None))
                    .values(exported_at=datetime.now(UTC), export_batch=batch)
                    .execution_options(synchronize_session=False)
                )
                rows = s.execute(
                    select(OutboxEvent.seq, OutboxEvent.tenant_id, OutboxEvent.event_type, OutboxEvent.body)
                    .where(OutboxEvent.export_batch == batch)
                    .order_by(OutboxEvent.seq)
                ).all()
                by_tenant: dict[str, list[Any]] = {}
                for row in rows:
                    by_tenant.setdefault(row.tenant_id, []).append(row)
                for tenant, tenant_rows in sorted(by_tenant.items()):
                    path = _file_for(out_dir, tenant, tenant_rows[0].seq, tenant_rows[-1].seq, batch)
                    _write_file(path, [r.body for r in tenant_rows])
                    written.append(path)
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
        result.files += written
        result.events += len(rows)
        result.by_type.update(r.event_type for r in rows)
        result.by_tenant.update(r.tenant_id for r in rows)
        if len(rows) < batch_size:
            return result
