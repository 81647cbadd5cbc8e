"""What every state change needs: the transaction, the tenant, who acts, and when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from booking.infra import audit, outbox
from booking.integrations.razorpay_api import Gateway, Gateways
from booking.services import message_queue
from booking.settings import TenantConfig

DEFAULT_GATEWAYS = Gateways()  # for contexts made outside a running service (CLI jobs); tests inject theirs


@dataclass(slots=True)
class Ctx:
    session: Session
    tenant: TenantConfig
    actor: str
    now: datetime
    gateways: Gateways = field(default_factory=lambda: DEFAULT_GATEWAYS)

    @property
    def gateway(self) -> Gateway:
        """The tenant's payment gateway (its `gateway.mode`: offline, or Razorpay's APIs)."""
        return self.gateways.of(self.tenant)

    @property
    def tenant_id(self) -> str:
        return self.tenant.tenant_id

    def emit(self, event_type: str, *, branch_id: str, subject: str, data: dict[str, Any]) -> None:
        outbox.emit(
            self.session,
            tenant_id=self.tenant_id,
            branch_id=branch_id,
            event_type=event_type,
            subject=subject,
            data=data,
            at=self.now,
        )
        message_queue.on_event(self.session, self.tenant, event_type, data, self.now)

    def audit(
        self,
        action: str,
        entity_type: str,
        entity_id: str,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        audit.record(
            self.session,
            tenant_id=self.tenant_id,
            actor=self.actor,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            at=self.now,
            before=before,
            after=after,
        )
