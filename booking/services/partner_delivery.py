"""Outbound partner webhooks, delivered by the worker: our CloudEvents POSTed to each partner, signed
`t=…,v1=…` (booking.integrations.signatures.sign), in outbox order, each event at most once per endpoint that accepted it.

One run, per endpoint: the pending events (not yet accepted, not dead-lettered, not waiting for their next
attempt) in outbox order. Each is tried up to `attempts_per_run` times (tenacity, exponential backoff with
jitter, at least what a `Retry-After` asks; the sleep is injectable). Every attempt is counted in
`partner_delivery_failures`; after `max_attempts` in all, or at once on a refusing 4xx, the event moves to
`partner_dead_letters` with its last error, and the endpoint goes on with its next event. An event still
being retried blocks the events after it on that endpoint (order is kept).

Each run's outcome is also an `ops.webhook.delivery.*` CloudEvent in the outbox (latency, attempts, status
code, endpoint name; never the secret, the URL or the payload). `ops.*` events are never sent to partners.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from booking.domain.clock import Clock
from booking.domain.delivery_policy import in_run_retrying, next_attempt_delay, verdict
from booking.domain.events import OPS_PREFIX
from booking.infra import outbox
from booking.infra.db import Database
from booking.infra.models import OutboxEvent, PartnerDeadLetter, PartnerDelivery, PartnerDeliveryFailure
from booking.integrations.signatures import EVENT_ID_HEADER, SIGNATURE_HEADER, sign
from booking.settings import BookingConfig, PartnerDeliveryPolicy, PartnerWebhook, TenantConfig
from core.retry_after import retry_after_seconds

Sleep = Callable[[float], None]
# what delivering an outbox event needs of it
EVENT_COLUMNS = (
    OutboxEvent.event_id,
    OutboxEvent.tenant_id,
    OutboxEvent.branch_id,
    OutboxEvent.event_type,
    OutboxEvent.body,
)


class _Transient(Exception):
    def __init__(self, error: str, status_code: int | None, retry_after: float | None) -> None:
        super().__init__(error)
        self.error = error
        self.status_code = status_code
        self.retry_after = retry_after


@dataclass
class Attempted:
    """One event's run against one endpoint."""

    tries: int = 0
    latency_ms: int = 0
    status_code: int | None = None
    error: str | None = None
    accepted: bool = False
    refused: bool = False
    retry_after: float | None = None


@dataclass
class DeliveryReport:
    delivered: int = 0
    dead_lettered: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # endpoint -> why it stopped this run


@dataclass
class Transport:
    """How the worker talks to partners; every clock is injectable (tests never sleep)."""

    client: httpx.Client
    clock: Clock  # business time: attempts, schedules, events
    sleep: Sleep = time.sleep  # between in-run retries
    wall: Callable[[], float] = time.time  # the signature's timestamp (partners check it against theirs)
    monotonic: Callable[[], float] = time.perf_counter  # latency


def endpoint_id(tenant: TenantConfig, hook: PartnerWebhook) -> str:
    return f"{tenant.tenant_id}:{hook.name}"


def _post(transport: Transport, hook: PartnerWebhook, event_id: str, body: bytes, into: Attempted) -> None:
    headers = {
        "Content-Type": "application/cloudevents+json",
        SIGNATURE_HEADER: sign(hook.secret.get_secret_value(), body, int(transport.wall())),
        EVENT_ID_HEADER: event_id,
    }
    into.tries += 1
    started = transport.monotonic()
    try:
        response = transport.client.post(str(hook.url), content=body, headers=headers)
    except httpx.TransportError as exc:
        into.latency_ms = int((transport.monotonic() - started) * 1000)
        raise _Transient(type(exc).__name__, None, None) from exc
    into.latency_ms = int((transport.monotonic() - started) * 1000)
    into.status_code = response.status_code
    outcome = verdict(response.status_code)
    if outcome == "retry":
        wait = retry_after_seconds(response.headers.get("Retry-After"), transport.clock.now())
        raise _Transient(f"HTTP {response.status_code}", response.status_code, wait)
    into.accepted = outcome == "accepted"
    into.refused = outcome == "refused"
    into.error = None if into.accepted else f"HTTP {response.status_code}"


def attempt_delivery(
    transport: Transport,
    policy: PartnerDeliveryPolicy,
    hook: PartnerWebhook,
    event_id: str,
    body: bytes,
    *,
    attempts_so_far: int = 0,
) -> Attempted:
    """Up to `attempts_per_run` POSTs of one event (never past `max_attempts` in all); a Retry-After longer
    than the in-run backoff cap ends the run (the next attempt is scheduled after it, not slept here)."""
    result = Attempted()
    retrying = in_run_retrying(
        policy,
        attempts_so_far=attempts_so_far,
        transient=lambda exc: isinstance(exc, _Transient),
        sleep=transport.sleep,
    )
    try:
        retrying(_post, transport, hook, event_id, body, result)
    except _Transient as exc:
        result.error = exc.error
        result.status_code = exc.status_code
        result.retry_after = exc.retry_after
    return result


def _metric(
    s: Session, event_type: str, row: Any, endpoint: str, attempts: int, done: Attempted, at: datetime
) -> None:
    outbox.emit(
        s,
        tenant_id=row.tenant_id,
        branch_id=row.branch_id,
        event_type=f"ops.webhook.delivery.{event_type}",
        subject=row.event_id,
        data={
            "endpoint": endpoint.split(":", 1)[1],
            "event_id": row.event_id,
            "event_type": row.event_type,
            "attempts": max(attempts, 1),
            "latency_ms": done.latency_ms,
            "status_code": done.status_code,
            "error": done.error,
        },
        at=at,
    )


def record(
    db: Database, policy: PartnerDeliveryPolicy, endpoint: str, row: Any, done: Attempted, now: datetime
) -> str:
    """Persist one event's run against one endpoint: delivered, failed (next attempt scheduled) or dead."""
    with db.write() as s:
        failure = s.get(PartnerDeliveryFailure, (endpoint, row.event_id), with_for_update=True)
        attempts = (failure.attempts if failure else 0) + done.tries
        if done.accepted:
            if failure is not None:
                s.delete(failure)
            if s.get(PartnerDelivery, (endpoint, row.event_id)) is not None:
                return "delivered"  # recorded already (a replay and a run raced): keep the first record
            s.add(
                PartnerDelivery(
                    endpoint=endpoint,
                    event_id=row.event_id,
                    tenant_id=row.tenant_id,
                    status_code=done.status_code or 200,
                    attempts=attempts,
                    delivered_at=now,
                )
            )
            _metric(s, "succeeded", row, endpoint, attempts, done, now)
            return "delivered"
        error = (done.error or "unknown")[:200]
        if done.refused or attempts >= policy.max_attempts:
            if failure is not None:
                s.delete(failure)
            dead = s.scalar(
                select(PartnerDeadLetter).where(
                    PartnerDeadLetter.endpoint == endpoint, PartnerDeadLetter.event_id == row.event_id
                )
            )
            if dead is None:
                dead = PartnerDeadLetter(endpoint=endpoint, event_id=row.event_id, tenant_id=row.tenant_id)
                s.add(dead)
            dead.event_type = row.event_type
            dead.attempts = attempts
            dead.last_status_code = done.status_code
            dead.last_error = error
            dead.dead_at = now
            dead.replayed_at = None
            _metric(s, "dead_lettered", row, endpoint, attempts, done, now)
            return "dead"
        later = next_attempt_delay(policy, attempts, done.retry_after)
        if failure is None:
            failure = PartnerDeliveryFailure(
                endpoint=endpoint, event_id=row.event_id, tenant_id=row.tenant_id
            )
            s.add(failure)
        failure.attempts = attempts
        failure.last_status_code = done.status_code
        failure.last_error = error
        failure.next_attempt_at = now + timedelta(seconds=later)
        failure.updated_at = now
        _metric(s, "failed", row, endpoint, attempts, done, now)
        return "failed"


def _pending(
    db: Database, tenant: TenantConfig, hook: PartnerWebhook, endpoint: str, limit: int
) -> list[Any]:
    delivered = select(PartnerDelivery.event_id).where(PartnerDelivery.endpoint == endpoint)
    dead = select(PartnerDeadLetter.event_id).where(
        PartnerDeadLetter.endpoint == endpoint, PartnerDeadLetter.replayed_at.is_(None)
    )
    query = (
        select(
            *EVENT_COLUMNS,
            PartnerDeliveryFailure.next_attempt_at,
            PartnerDeliveryFailure.attempts,
        )
        .outerjoin(
            PartnerDeliveryFailure,
            and_(
                PartnerDeliveryFailure.endpoint == endpoint,
                PartnerDeliveryFailure.event_id == OutboxEvent.event_id,
            ),
        )
        .where(
            OutboxEvent.tenant_id == tenant.tenant_id,
            OutboxEvent.event_type.not_like(f"{OPS_PREFIX}%"),
            OutboxEvent.event_id.not_in(delivered),
            OutboxEvent.event_id.not_in(dead),
        )
    )
    if "*" not in hook.event_types:
        query = query.where(OutboxEvent.event_type.in_(hook.event_types))
    with db.read() as s:
        return list(s.execute(query.order_by(OutboxEvent.seq).limit(limit)).all())


def deliver_partner_webhooks(
    db: Database, config: BookingConfig, transport: Transport, *, limit: int = 1000
) -> DeliveryReport:
    """One delivery run over every tenant's partner webhooks (the worker's `deliver` job)."""
    policy = config.partner_delivery
    report = DeliveryReport()
    for tenant in config.tenants:
        for hook in tenant.partner_webhooks:
            endpoint = endpoint_id(tenant, hook)
            for row in _pending(db, tenant, hook, endpoint, limit):
                now = transport.clock.now()
                if row.next_attempt_at is not None and row.next_attempt_at > now:
                    report.failed[endpoint] = (
                        f"event {row.event_id} waits until {row.next_attempt_at:%H:%M:%S}Z"
                    )
                    break  # order is kept: later events wait for this one
                done = attempt_delivery(
                    transport,
                    policy,
                    hook,
                    row.event_id,
                    row.body.encode(),
                    attempts_so_far=row.attempts or 0,
                )
                outcome = record(db, policy, endpoint, row, done, transport.clock.now())
                if outcome == "delivered":
                    report.delivered += 1
                elif outcome == "dead":
                    report.dead_lettered += 1
                else:
                    report.failed[endpoint] = f"event {row.event_id}: {done.error}"
                    break
    return report
