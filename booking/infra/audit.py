"""Audit trail: who changed what, before and after, in the same transaction as the change.

Snapshots never hold card data (the service stores none) and phone numbers are masked to the last four
digits; patient names are left out.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from booking.infra.models import AuditEvent

REDACTED_KEYS = {"name", "phone", "email", "card", "card_number", "cvv", "vpa"}


def mask_phone(phone: str) -> str:
    digits = [c for c in phone if c.isdigit()]
    return "*" * max(len(digits) - 4, 0) + "".join(digits[-4:])


def _clean(values: dict[str, Any] | None) -> str | None:
    if values is None:
        return None
    cleaned = {}
    for key, value in values.items():
        if key == "phone" and isinstance(value, str):
            cleaned[key] = mask_phone(value)
        elif key in REDACTED_KEYS:
            continue
        else:
            cleaned[key] = value
    return json.dumps(cleaned, sort_keys=True, default=str)


def record(
    session: Session,
    *,
    tenant_id: str,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            tenant_id=tenant_id,
            actor=actor,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=_clean(before),
            after=_clean(after),
            at=at,
        )
    )
