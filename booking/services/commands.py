"""Run a state change once per Idempotency-Key: in one transaction, with the tenant, actor and time.

A retried request with the same key and body gets the first answer again; the same key with another body is
refused (`booking.infra.idempotency`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from booking.infra import idempotency
from booking.infra.db import Database
from booking.integrations.razorpay_api import Gateways
from booking.services.context import Ctx
from booking.settings import TenantConfig

Outcome = idempotency.Outcome


def run_once(
    db: Database,
    *,
    tenant: TenantConfig,
    actor: str,
    now: datetime,
    gateways: Gateways,
    key: str,
    request: tuple[str, str, bytes],
    status_code: int,
    change: Callable[[Ctx], dict[str, Any]],
) -> Outcome:
    """`change` once for (tenant, key); `request` is (method, path, body), the key's fingerprint."""
    fp = idempotency.fingerprint(*request)

    def operation(s: Session) -> tuple[int, dict[str, Any]]:
        return status_code, change(Ctx(s, tenant, actor, now, gateways))

    return idempotency.run(db, tenant_id=tenant.tenant_id, key=key, fp=fp, now=now, operation=operation)
