"""The two outbound dead-letter queues as the page shows them, one tenant's at a time: partner webhooks'
events (booking/services/dead_letters.py) and patient messages (booking/services/message_dead_letters.py).

Listing and replay are the services `mymedic booking webhooks dlq …` and `mymedic messages dlq …` use; the
page adds only that a dead letter must be one of the signed-in tenant's open ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from booking.domain.clock import Clock
from booking.domain.errors import Conflict, NotFound
from booking.infra.db import Database
from booking.services.dead_letters import DeadLetter, list_dead_letters, replay_dead_letters
from booking.services.message_dead_letters import DeadMessage, list_dead_messages, replay_dead_messages
from booking.services.outbound_messages import check_messaging
from booking.services.partner_delivery import Transport
from booking.settings import BookingConfig, ConfigError


@dataclass(frozen=True)
class Queues:
    webhooks: list[DeadLetter]
    messages: list[DeadMessage]


def queues(db: Database, tenant_id: str) -> Queues:
    return Queues(list_dead_letters(db, tenant_id=tenant_id), list_dead_messages(db, tenant_id=tenant_id))


@contextmanager
def _transport(config: BookingConfig, clock: Clock) -> Iterator[Transport]:
    with httpx.Client(timeout=config.partner_delivery.timeout_seconds) as client:
        yield Transport(client=client, clock=clock)


def replay_webhook(db: Database, config: BookingConfig, clock: Clock, tenant_id: str, id_: int) -> str:
    """The outcome of sending the tenant's open dead letter `id_` again."""
    if id_ not in {d.id for d in list_dead_letters(db, tenant_id=tenant_id)}:
        raise NotFound(f"webhook dead letter {id_} is not among your open dead letters; reload the list")
    with _transport(config, clock) as transport:
        return replay_dead_letters(db, config, transport, dead_letter_id=id_)[0].outcome


def replay_message(db: Database, config: BookingConfig, clock: Clock, tenant_id: str, id_: int) -> str:
    """The outcome of sending the tenant's open dead-lettered message `id_` again."""
    if id_ not in {d.id for d in list_dead_messages(db, tenant_id=tenant_id)}:
        raise NotFound(f"message dead letter {id_} is not among your open dead letters; reload the list")
    tenant = next((t for t in config.tenants if t.tenant_id == tenant_id), None)
    if tenant is None or tenant.messaging is None:
        raise Conflict(
            f"messages can't be sent: tenant {tenant_id} has no messaging block in the booking config"
        )
    try:
        check_messaging(config)
    except ConfigError as exc:
        raise Conflict(f"messages can't be sent: {exc}") from None
    with _transport(config, clock) as transport:
        return replay_dead_messages(db, config, transport, dead_letter_id=id_)[0].outcome
