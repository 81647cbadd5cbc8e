"""The booking worker: one process that runs the service's jobs on their schedules (`mymedic booking worker`).

Jobs: `expire` (unpaid bookings past their hold), `purge` (replay guards past their retention), `deliver`
(partner webhooks), `messages` (patient messages that are due, booking.services.outbound_messages). Each runs when due by the injected clock; `run_once` runs every job one time (tests,
cron). A job that fails is reported in one line and tried again at its next turn; the others go on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from booking.infra.db import Database
from booking.infra.retention import purge_expired
from booking.services.expiry import expire_unpaid
from booking.services.outbound_messages import send_due_messages
from booking.services.partner_delivery import Transport, deliver_partner_webhooks
from booking.settings import BookingConfig

log = logging.getLogger("booking.worker")


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[datetime], str]  # does the work at that time; returns a one-line summary


@dataclass(frozen=True)
class JobResult:
    name: str
    ok: bool
    summary: str


def jobs(db: Database, config: BookingConfig, transport: Transport) -> list[Job]:
    schedule = config.worker

    def expire(now: datetime) -> str:
        return f"{expire_unpaid(db, config, now)} bookings expired"

    def purge(now: datetime) -> str:
        done = purge_expired(db, config.retention, now)
        return f"{done.webhook_receipts} webhook receipts, {done.idempotency_keys} idempotency keys purged"

    def deliver(now: datetime) -> str:
        report = deliver_partner_webhooks(db, config, transport)
        stopped = "".join(f"; {endpoint}: {why}" for endpoint, why in sorted(report.failed.items()))
        return f"{report.delivered} delivered, {report.dead_lettered} dead-lettered{stopped}"

    def messages(now: datetime) -> str:
        return send_due_messages(db, config, transport).summary()

    every = [
        Job("expire", timedelta(seconds=schedule.expire_every_seconds), expire),
        Job("purge", timedelta(seconds=schedule.purge_every_seconds), purge),
        Job("deliver", timedelta(seconds=schedule.deliver_every_seconds), deliver),
    ]
    if any(t.messaging for t in config.tenants):  # a service whose tenants send no messages runs no such job
        every.append(Job("messages", timedelta(seconds=schedule.messages_every_seconds), messages))
    return every


def _run(job: Job, now: datetime) -> JobResult:
    try:
        return JobResult(job.name, True, job.run(now))
    except Exception as exc:  # one job's failure must not stop the others; no payload in the line
        log.error("booking worker job %s failed: %s", job.name, type(exc).__name__)
        return JobResult(job.name, False, f"failed: {type(exc).__name__}")


class Worker:
    def __init__(self, db: Database, config: BookingConfig, transport: Transport) -> None:
        self.clock = transport.clock
        self.jobs = jobs(db, config, transport)
        self.next_run: dict[str, datetime] = {}

    def run_once(self) -> list[JobResult]:
        """Every job one time, now."""
        return [_run(job, self.clock.now()) for job in self.jobs]

    def tick(self) -> list[JobResult]:
        """The jobs that are due by the clock, each then scheduled `every` later."""
        results = []
        for job in self.jobs:
            now = self.clock.now()
            if self.next_run.get(job.name, now) <= now:
                results.append(_run(job, now))
                self.next_run[job.name] = now + job.every
        return results

    def seconds_to_next(self) -> float:
        now = self.clock.now()
        due = min(self.next_run.values(), default=now)
        return max((due - now).total_seconds(), 0.0)

    def run_forever(
        self, stop: threading.Event, on_result: Callable[[JobResult], None] = lambda _: None
    ) -> None:
        """Tick until `stop` is set, waiting on `stop` between ticks (so a signal ends the wait at once)."""
        while not stop.is_set():
            for result in self.tick():
                on_result(result)
            stop.wait(min(self.seconds_to_next(), 60.0))
