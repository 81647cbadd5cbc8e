"""The messages' dead-letter table: list it, and replay entries (`mymedic messages dlq list|replay`).

A message is dead-lettered on a permanent error (invalid number, template rejected) or once `max_attempts`
are spent; its row in `message_dead_letters` is written in the transaction that marks it `dead_lettered`
(booking.services.outbound_messages), one row per dead-lettering. The list shows the rows not replayed yet,
oldest first, with the message's masked recipient (never the number or the address).

A replay sends the message again, now, with a fresh budget of attempts, and marks the row replayed with its
outcome (written with the message's outcome, in one transaction). A message its provider accepted (it has a
provider id) is never sent again, whatever the table says. While a replay sends a message, the worker leaves
it alone (a lease on `next_attempt_at`); a replay that fails again dead-letters the message again: a new row.
Locks are taken message first, then its dead letter, as the worker's record of an outcome does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from booking.domain.clock import rfc3339
from booking.domain.delivery_policy import lease_seconds
from booking.infra.db import Database
from booking.infra.models import Message, MessageDeadLetter
from booking.services.dead_letter_rows import open_rows, replay_ids
from booking.services.outbound_messages import is_opted_out, send_claimed, suppress_opted_out
from booking.services.partner_delivery import Transport
from booking.settings import BookingConfig

ACCEPTED = ("sent", "already sent")


@dataclass(frozen=True)
class DeadMessage:
    id: int
    message_id: str
    tenant_id: str
    channel: str
    provider: str
    purpose: str
    recipient_masked: str
    attempts: int
    status_code: int | None
    error_code: str
    error: str
    reason: str  # permanent | exhausted
    dead_at: str


def list_dead_messages(db: Database, *, tenant_id: str | None = None) -> list[DeadMessage]:
    """The dead letters not replayed yet, oldest first."""
    query = (
        open_rows(MessageDeadLetter, tenant_id)
        .add_columns(Message.purpose, Message.recipient_masked)
        .join(Message, Message.message_id == MessageDeadLetter.message_id)
        .order_by(MessageDeadLetter.dead_at, MessageDeadLetter.id)
    )
    with db.read() as s:
        return [
            DeadMessage(
                id=d.id,
                message_id=d.message_id,
                tenant_id=d.tenant_id,
                channel=d.channel,
                provider=d.provider,
                purpose=purpose,
                recipient_masked=masked,
                attempts=d.attempts,
                status_code=d.last_status_code,
                error_code=d.last_error_code,
                error=d.last_error,
                reason=d.reason,
                dead_at=rfc3339(d.dead_at),
            )
            for d, purpose, masked in s.execute(query)
        ]


@dataclass(frozen=True)
class ReplayedMessage:
    id: int | None  # the dead letter (None: the message has none)
    message_id: str
    # sent | already sent | retrying | dead_lettered | suppressed | already replayed | not dead-lettered
    # | not found
    outcome: str


def _ids_of_message(s: Session, message_id: str) -> list[int] | None:
    """The message's latest dead letter ([] when it has none; None when there is no such message)."""
    if s.get(Message, message_id) is None:
        return None
    latest = s.scalar(
        select(func.max(MessageDeadLetter.id)).where(MessageDeadLetter.message_id == message_id)
    )
    return [] if latest is None else [latest]


def replay_dead_messages(
    db: Database,
    config: BookingConfig,
    transport: Transport,
    *,
    dead_letter_id: int | None = None,
    message_id: str | None = None,
) -> list[ReplayedMessage]:
    """Send dead-lettered messages again with a fresh budget: every dead letter not replayed yet (oldest
    first), or the one `dead_letter_id`, or the latest of `message_id`."""
    if message_id is not None:
        with db.read() as s:
            ids = _ids_of_message(s, message_id)
            if ids is None:
                return [ReplayedMessage(None, message_id, "not found")]
            if not ids:
                m = s.get(Message, message_id)
                assert m is not None
                done = "already sent" if m.provider_message_id is not None else "not dead-lettered"
                return [ReplayedMessage(None, message_id, done)]
    else:
        ids = replay_ids(
            db, MessageDeadLetter, dead_letter_id, (MessageDeadLetter.dead_at, MessageDeadLetter.id)
        )
        if dead_letter_id is not None and not ids:
            return [ReplayedMessage(dead_letter_id, "", "not found")]
    return [_replay_one(db, config, transport, id_) for id_ in ids]


def _close(dead: MessageDeadLetter, outcome: str, now: datetime) -> str:
    dead.replayed_at = dead.replayed_at or now
    dead.replay_outcome = dead.replay_outcome or outcome
    return outcome


def _replay_one(db: Database, config: BookingConfig, transport: Transport, id_: int) -> ReplayedMessage:
    now = transport.clock.now()
    with db.write() as s:
        message_id = s.scalar(select(MessageDeadLetter.message_id).where(MessageDeadLetter.id == id_))
        m: Any = s.get(Message, message_id, with_for_update=True)
        dead = s.get(MessageDeadLetter, id_, with_for_update=True)
        assert m is not None and dead is not None

        def result(outcome: str) -> ReplayedMessage:
            return ReplayedMessage(id_, m.message_id, outcome)

        if m.provider_message_id is not None:
            return result(_close(dead, "already sent", now))
        if dead.replayed_at is not None:
            return result("already replayed")
        if m.state != "dead_lettered":
            return result(_close(dead, "not dead-lettered", now))
        if is_opted_out(s, m):
            suppress_opted_out(s, m, now)
            return result(_close(dead, "suppressed", now))
        # a fresh budget, and a lease: the worker leaves the message alone while the replay sends it
        dead.replayed_at = now  # its outcome is written with the message's, after the send
        m.state, m.replayed_at, m.attempts, m.updated_at = "retrying", now, 0, now
        m.next_attempt_at = now + timedelta(seconds=lease_seconds(config.message_delivery))
        s.flush()
        s.expunge(m)
    return result(send_claimed(db, config, transport, m, replay_of=id_))
