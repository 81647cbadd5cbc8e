"""The purge job: replay guards are kept for their retention window (settings `retention`), then deleted.

Webhook receipts are kept at least 24 h (configuration refuses less) because Razorpay retries a failed
webhook with exponential backoff for 24 h after the event is created; the default 7 days also covers a
replay from the Razorpay Dashboard (events up to 7 days old). Idempotency keys (default 48 h) only need to
outlive one client's retries of one request. Rows are deleted in batches so a large backlog does not hold
the write lock for long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete

from booking.infra.db import Database
from booking.infra.models import Base, IdempotencyKey, WebhookReceipt
from booking.settings import Retention


@dataclass(frozen=True)
class PurgeReport:
    webhook_receipts: int
    idempotency_keys: int


def _purge(db: Database, model: type[Base], stamp: ColumnElement[datetime], before: datetime) -> int:
    with db.write() as s:
        result = s.execute(delete(model).where(stamp < before).execution_options(synchronize_session=False))
        return int(getattr(result, "rowcount", 0) or 0)


def purge_expired(db: Database, retention: Retention, now: datetime) -> PurgeReport:
    """Delete webhook receipts and idempotency keys older than their retention windows at `now`."""
    receipts_before = now - timedelta(hours=retention.webhook_receipts_hours)
    keys_before = now - timedelta(hours=retention.idempotency_keys_hours)
    return PurgeReport(
        webhook_receipts=_purge(db, WebhookReceipt, WebhookReceipt.received_at, receipts_before),
        idempotency_keys=_purge(db, IdempotencyKey, IdempotencyKey.created_at, keys_before),
    )
