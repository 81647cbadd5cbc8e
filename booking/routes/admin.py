"""Staff reads of the audit trail, and the health check."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select, text

from booking.deps import ERRORS, Service, Staff
from booking.models import AuditEvent
from booking.schemas import ID_PATTERN, AuditOut, Health

router = APIRouter(tags=["admin"])


@router.get(
    "/v1/audit-events",
    response_model=list[AuditOut],
    responses=ERRORS,
    summary="Audit trail of an entity (staff)",
)
def audit_events(
    service: Service,
    staff: Staff,
    entity_id: Annotated[str, Query(pattern=ID_PATTERN)],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditOut]:
    with service.db.read() as s:
        rows = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.tenant_id == staff.tenant_id, AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.id)
            .limit(limit)
        )
        return [
            AuditOut(
                actor=r.actor,
                action=r.action,
                entity_type=r.entity_type,
                entity_id=r.entity_id,
                before=json.loads(r.before) if r.before else None,
                after=json.loads(r.after) if r.after else None,
                at=r.at,
            )
            for r in rows
        ]


@router.get("/healthz", response_model=Health, summary="Liveness and database reachability")
def health(service: Service) -> Health:
    with service.db.read() as s:
        s.execute(text("select 1"))
    return Health(status="ok", database=service.db.dialect)
