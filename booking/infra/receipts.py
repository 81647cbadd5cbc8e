"""Webhook receipts: the replay guard. One row per (tenant, source, event id), written in the same transaction
as the event's effect, so a replay (or a concurrent duplicate) has no second effect."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from booking.infra.models import WebhookReceipt


def is_replay(session: Session, tenant_id: str, source: str, event_id: str) -> bool:
    """Whether `tenant_id` (whose secret verified the event) already processed this id from `source`."""
    return session.get(WebhookReceipt, (tenant_id, source, event_id)) is not None


def record_receipt(
    session: Session,
    *,
    source: str,
    event_id: str,
    tenant_id: str,
    event_type: str,
    outcome: str,
    at: datetime,
) -> None:
    """Insert the replay guard row; a concurrent duplicate fails on the primary key and rolls back."""
    session.add(
        WebhookReceipt(
            source=source,
            event_id=event_id,
            tenant_id=tenant_id,
            event_type=event_type[:64],
            outcome=outcome[:200],
            received_at=at,
        )
    )
    session.flush()
