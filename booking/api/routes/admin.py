"""Staff reads of the audit trail, and the health check."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query

from booking.api.deps import ERRORS, Service, Staff
from booking.api.schemas import ID_PATTERN, AuditOut, Health
from booking.services import reads

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
        for r in reads.audit_trail(service.db, staff.tenant_id, entity_id, limit)
    ]


@router.get("/healthz", response_model=Health, summary="Liveness and database reachability")
def health(service: Service) -> Health:
    reads.ping(service.db)
    return Health(status="ok", database=service.db.dialect)
