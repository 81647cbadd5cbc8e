"""The partner webhooks' dead-letter table: list it, and replay entries (`mymedic booking webhooks dlq …`).

A replay sends the event again, now, with a fresh budget of attempts; an endpoint that already accepted the
event (a row in partner_deliveries) is never sent it again, whatever the dead-letter table says. While a
replay sends an event, the worker leaves it alone (a lease on its failure row). Run one worker per database:
two workers would both send the same pending event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from booking.domain.delivery_policy import lease_seconds
from booking.infra.db import Database
from booking.infra.models import OutboxEvent, PartnerDeadLetter, PartnerDelivery, PartnerDeliveryFailure
from booking.services.dead_letter_rows import open_rows, replay_ids
from booking.services.partner_delivery import EVENT_COLUMNS, Transport, attempt_delivery, endpoint_id, record
from booking.settings import BookingConfig, PartnerWebhook


@dataclass(frozen=True)
class DeadLetter:
    id: int
    endpoint: str
    event_id: str
    event_type: str
    attempts: int
    last_status_code: int | None
    last_error: str
    dead_at: str


def list_dead_letters(db: Database, *, tenant_id: str | None = None) -> list[DeadLetter]:
    """The dead letters not replayed yet, oldest first."""
    query = open_rows(PartnerDeadLetter, tenant_id)
    with db.read() as s:
        return [
            DeadLetter(
                id=d.id,
                endpoint=d.endpoint,
                event_id=d.event_id,
                event_type=d.event_type,
                attempts=d.attempts,
                last_status_code=d.last_status_code,
                last_error=d.last_error,
                dead_at=d.dead_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
            for d in s.scalars(query.order_by(PartnerDeadLetter.id))
        ]


@dataclass(frozen=True)
class Replayed:
    id: int
    endpoint: str
    event_id: str
    outcome: str  # delivered | already delivered | failed | dead | endpoint not configured | not found


def _hooks(config: BookingConfig) -> dict[str, PartnerWebhook]:
    return {endpoint_id(t, h): h for t in config.tenants for h in t.partner_webhooks}


def replay_dead_letters(
    db: Database, config: BookingConfig, transport: Transport, *, dead_letter_id: int | None = None
) -> list[Replayed]:
    """Send dead-lettered events again (all not yet replayed, or the one `dead_letter_id`)."""
    hooks = _hooks(config)
    ids = replay_ids(db, PartnerDeadLetter, dead_letter_id, (PartnerDeadLetter.id,))
    if dead_letter_id is not None and not ids:
        return [Replayed(dead_letter_id, "", "", "not found")]
    results = []
    for id_ in ids:
        with db.write() as s:
            dead = s.get(PartnerDeadLetter, id_, with_for_update=True)
            assert dead is not None
            endpoint, event_id = dead.endpoint, dead.event_id
            hook = hooks.get(endpoint)
            if s.get(PartnerDelivery, (endpoint, event_id)) is not None:
                dead.replayed_at = transport.clock.now()
                results.append(Replayed(id_, endpoint, event_id, "already delivered"))
                continue
            if hook is None:
                results.append(Replayed(id_, endpoint, event_id, "endpoint not configured"))
                continue
            now = transport.clock.now()
            dead.replayed_at = now
            # a fresh budget, and a lease: the worker leaves this event alone while the replay sends it
            failure = s.get(PartnerDeliveryFailure, (endpoint, event_id))
            if failure is None:
                failure = PartnerDeliveryFailure(
                    endpoint=endpoint, event_id=event_id, tenant_id=dead.tenant_id
                )
                s.add(failure)
            failure.attempts = 0
            failure.last_status_code = dead.last_status_code
            failure.last_error = dead.last_error
            failure.next_attempt_at = now + timedelta(seconds=lease_seconds(config.partner_delivery))
            failure.updated_at = now
            row = s.execute(select(*EVENT_COLUMNS).where(OutboxEvent.event_id == event_id)).one()
        done = attempt_delivery(transport, config.partner_delivery, hook, event_id, row.body.encode())
        outcome = record(db, config.partner_delivery, endpoint, row, done, transport.clock.now())
        results.append(Replayed(id_, endpoint, event_id, outcome))
    return results
