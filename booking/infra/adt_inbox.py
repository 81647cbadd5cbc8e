"""ADT events pushed by a tenant's HIS: stored once per (tenant, sender, message id) before the 202, and
exported as NDJSON for the adt_fhir feed (`<data_dir>/adt/fhir/rest/`).

Each exported line is one received message in an envelope that names whose it is:
`{"tenant_id", "sender", "message_id", "kind": "fhir" | "adt_event", "received_at", "body": <as received>}`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from booking.domain.clock import rfc3339
from booking.infra.db import Database
from booking.infra.models import AdtInboundEvent
from booking.infra.outbox import _write_file as write_ndjson

FILE_PREFIX = "adt-rest"


def is_stored(session: Session, tenant_id: str, sender: str, message_id: str) -> bool:
    found = session.execute(
        select(AdtInboundEvent.seq).where(
            AdtInboundEvent.tenant_id == tenant_id,
            AdtInboundEvent.sender == sender,
            AdtInboundEvent.message_id == message_id,
        )
    ).first()
    return found is not None


def store(session: Session, *, tenant_id: str, sender: str, message_id: str, kind: str, body: str,
          at: datetime) -> None:  # fmt: skip
    """Insert the message; a concurrent duplicate fails on the unique key and rolls back."""
    session.add(AdtInboundEvent(tenant_id=tenant_id, sender=sender, message_id=message_id, kind=kind,
                                body=body, received_at=at))  # fmt: skip
    session.flush()


def envelope(row: AdtInboundEvent) -> str:
    return json.dumps(
        {
            "tenant_id": row.tenant_id,
            "sender": row.sender,
            "message_id": row.message_id,
            "kind": row.kind,
            "received_at": rfc3339(row.received_at),
            "body": json.loads(row.body),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


@dataclass
class AdtExport:
    files: list[Path] = field(default_factory=list)
    events: int = 0


def export_adt(db: Database, out_dir: Path, *, now: datetime, tenant_id: str | None = None) -> AdtExport:
    """Write every not-yet-exported message (of `tenant_id`, or all) to `out_dir`, one NDJSON file per tenant,
    and mark them exported in the same transaction (a failed write leaves them pending, and no file)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    result = AdtExport()
    batch = uuid.uuid4().hex
    written: list[Path] = []
    try:
        with db.write() as s:
            pending = update(AdtInboundEvent).where(AdtInboundEvent.exported_at.is_(None))
            if tenant_id:
                pending = pending.where(AdtInboundEvent.tenant_id == tenant_id)
            s.execute(
                pending.values(exported_at=now, export_batch=batch).execution_options(
                    synchronize_session=False
                )
            )
            rows = s.scalars(
                select(AdtInboundEvent)
                .where(AdtInboundEvent.export_batch == batch)
                .order_by(AdtInboundEvent.seq)
            ).all()
            by_tenant: dict[str, list[AdtInboundEvent]] = {}
            for row in rows:
                by_tenant.setdefault(row.tenant_id, []).append(row)
            for tenant, tenant_rows in sorted(by_tenant.items()):
                path = (
                    out_dir
                    / f"{FILE_PREFIX}-{tenant}-{tenant_rows[0].seq:012d}-{tenant_rows[-1].seq:012d}.ndjson"
                )
                if path.exists():  # a recreated database exporting into the same folder: never overwrite
                    path = path.with_name(f"{path.stem}-{batch[:12]}.ndjson")
                write_ndjson(path, [envelope(r) for r in tenant_rows])
                written.append(path)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    result.files = written
    result.events = len(rows)
    return result
