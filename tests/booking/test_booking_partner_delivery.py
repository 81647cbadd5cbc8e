"""Partner webhooks delivered by the worker against a real HTTP server on loopback that answers 200, 500,
429 with Retry-After, or is not there at all (connection refused); sleeps are injected, never slept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from booking_harness import START, TENANT, Harness, StaffKeys, make_config, slot
from partner_server import partner_server, refused_url
from pydantic import ValidationError
from sqlalchemy import select
from typer.testing import CliRunner

from booking.domain.clock import IST, SystemClock
from booking.infra.db import Database
from booking.infra.models import PartnerDeadLetter, PartnerDeliveryFailure
from booking.integrations.signatures import verify_timestamped
from booking.services.partner_delivery import DeliveryReport, Transport, deliver_partner_webhooks
from booking.settings import BookingConfig
from mymedic.cli import app

TOMORROW = START.astimezone(IST).date() + timedelta(days=1)
SECRET = "partner-secret-0123456789abcdef0123"


def _hook(name: str, url: str, event_types: list[str] | None = None) -> dict[str, Any]:
    return {"name": name, "url": url, "secret": SECRET, "event_types": event_types or ["*"]}


def _config(staff_keys: StaffKeys, hooks: list[dict[str, Any]], **policy: Any) -> BookingConfig:
    config = make_config(staff_keys, partner_webhooks=hooks)
    return config.model_copy(
        update={
            "partner_delivery": BookingConfig.model_validate({"partner_delivery": policy}).partner_delivery
        }
    )


@contextmanager
def _run(harness: Harness, sleeps: list[float]) -> Iterator[tuple[Database, Transport]]:
    db = Database(harness.db_url)
    try:
        with httpx.Client(timeout=5) as client:
            yield db, Transport(client=client, clock=harness.clock, sleep=sleeps.append)
    finally:
        db.dispose()


def _deliver(harness: Harness, config: BookingConfig, sleeps: list[float]) -> DeliveryReport:
    with _run(harness, sleeps) as (db, transport):
        return deliver_partner_webhooks(db, config, transport)


def _rows(harness: Harness, model: type) -> list[Any]:
    db = Database(harness.db_url)
    try:
        with db.read() as s:
            return list(s.scalars(select(model)))
    finally:
        db.dispose()


def _booking_events(harness: Harness) -> list[dict[str, Any]]:
    return [e for e in harness.events() if not e["type"].startswith("ops.")]


def test_retries_with_jittered_backoff_honour_retry_after_and_export_metrics(
    harness: Harness, staff_keys: StaffKeys
) -> None:
    booking = harness.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
    harness.pay(booking["orders"][0]["order_id"], booking["deposit_paise"])
    wanted = [e["id"] for e in _booking_events(harness)]  # booked, initiated, deposit paid
    with partner_server() as partner:
        partner.script = {"/all": [200], "/flaky": [500, 500, 200], "/busy": [(429, "7"), 200]}
        hooks = [
            _hook("all", f"{partner.base_url}/all"),
            _hook("flaky", f"{partner.base_url}/flaky", ["appointment.booked"]),
            _hook("busy", f"{partner.base_url}/busy", ["payment.deposit.paid"]),
        ]
        config = _config(staff_keys, hooks, attempts_per_run=3, backoff_seconds=0.5, backoff_max_seconds=10)
        sleeps: list[float] = []
        report = _deliver(harness, config, sleeps)
        assert (report.delivered, report.dead_lettered, report.failed) == (5, 0, {})
        assert _deliver(harness, config, sleeps).delivered == 0  # each event once per endpoint

    # the "*" subscriber gets every booking event, in outbox order, and never the worker's own metrics
    assert partner.accepted("/all") == wanted
    assert partner.accepted("/flaky") == [wanted[0]] and partner.accepted("/busy") == [wanted[2]]
    for received in partner.received:
        verify_timestamped([SECRET], received.signature, received.body, clock=SystemClock())
    # jittered exponential backoff: two waits for /flaky within [0, 0.5 * 2^n], then Retry-After 7 s honoured
    assert len(sleeps) == 3
    assert 0 <= sleeps[0] <= 1.0 and 0 <= sleeps[1] <= 2.0
    assert sleeps[2] >= 7

    metrics = [e for e in harness.events() if e["type"].startswith("ops.webhook.delivery.")]
    by_endpoint = {(m["data"]["endpoint"], m["data"]["event_id"]): m for m in metrics}
    assert {m["type"] for m in metrics} == {"ops.webhook.delivery.succeeded"}
    flaky = by_endpoint[("flaky", wanted[0])]["data"]
    assert (flaky["attempts"], flaky["status_code"], flaky["error"]) == (3, 200, None)
    assert flaky["latency_ms"] >= 0 and flaky["event_type"] == "appointment.booked"
    assert by_endpoint[("busy", wanted[2])]["data"]["attempts"] == 2
    assert len(metrics) == 5
    bodies = json.dumps(metrics)
    assert SECRET not in bodies and partner.base_url not in bodies and "Asha" not in bodies


def test_long_retry_after_reschedules_instead_of_sleeping(harness: Harness, staff_keys: StaffKeys) -> None:
    harness.booked("doc_blr01_01", slot(TOMORROW, "10:15"))
    with partner_server() as partner:
        partner.script = {"/busy": [(429, "120"), 200]}
        config = _config(
            staff_keys,
            [_hook("busy", f"{partner.base_url}/busy", ["appointment.booked"])],
            backoff_max_seconds=10,
        )
        sleeps: list[float] = []
        first = _deliver(harness, config, sleeps)
        assert first.delivered == 0 and "busy" in next(iter(first.failed))
        assert sleeps == [] and len(partner.received) == 1
        [failure] = _rows(harness, PartnerDeliveryFailure)
        assert failure.attempts == 1 and failure.last_status_code == 429
        assert failure.next_attempt_at >= harness.clock.now() + timedelta(seconds=120)
        harness.clock.advance(seconds=60)
        assert _deliver(harness, config, sleeps).delivered == 0 and len(partner.received) == 1  # not yet
        harness.clock.advance(seconds=61)
        assert _deliver(harness, config, sleeps).delivered == 1
    assert _rows(harness, PartnerDeliveryFailure) == []
    [metric] = [e for e in harness.events() if e["type"] == "ops.webhook.delivery.succeeded"]
    assert metric["data"]["attempts"] == 2


def test_after_n_tries_events_are_dead_lettered_and_replay_delivers_each_once(
    harness: Harness, staff_keys: StaffKeys
) -> None:
    booking = harness.booked("doc_blr01_01", slot(TOMORROW, "10:30"))
    wanted = [e["id"] for e in _booking_events(harness)]  # booked, initiated
    down = refused_url()
    with partner_server() as partner:
        partner.script = {"/crm": [500]}
        hooks = [_hook("crm", f"{partner.base_url}/crm"), _hook("gone", down)]
        policy = {"max_attempts": 3, "attempts_per_run": 2, "reschedule_max_seconds": 60}
        config = _config(staff_keys, hooks, **policy)
        sleeps: list[float] = []
        first = _deliver(harness, config, sleeps)
        assert first.dead_lettered == 0 and set(first.failed) == {f"{TENANT}:crm", f"{TENANT}:gone"}
        failures = {f.endpoint: f for f in _rows(harness, PartnerDeliveryFailure)}
        assert failures[f"{TENANT}:crm"].attempts == 2 and failures[f"{TENANT}:crm"].last_error == "HTTP 500"
        assert failures[f"{TENANT}:gone"].last_error == "ConnectError"
        assert failures[f"{TENANT}:gone"].last_status_code is None
        assert {f.event_id for f in failures.values()} == {wanted[0]}  # the second event waits (order)
        harness.clock.advance(seconds=61)
        second = _deliver(harness, config, sleeps)
        # attempt 3 of the first event kills it; the endpoint goes on with the next one
        assert second.dead_lettered == 2 and second.delivered == 0
        dead = sorted(_rows(harness, PartnerDeadLetter), key=lambda d: (d.endpoint, d.event_id))
        assert {(d.endpoint, d.event_id, d.attempts) for d in dead} == {
            (f"{TENANT}:crm", wanted[0], 3),
            (f"{TENANT}:gone", wanted[0], 3),
        }
        types = [e["type"] for e in harness.events() if e["type"].startswith("ops.")]
        assert types.count("ops.webhook.delivery.dead_lettered") == 2

        runner = CliRunner(env={"COLUMNS": "250"})  # rich: one table row per line
        cli_config = json.dumps(
            {
                "tenants": [{"tenant_id": TENANT, "partner_webhooks": hooks}],
                "partner_delivery": {**policy, "attempts_per_run": 1},
            }
        )
        listed = runner.invoke(app, ["booking", "webhooks", "dlq", "list", "--db", harness.db_url])
        assert listed.exit_code == 0, listed.output
        assert "2 dead letter(s)" in listed.output and "HTTP 500" in listed.output
        assert "ConnectError" in listed.output and SECRET not in listed.output

        partner.script = {"/crm": [200]}  # the partner is fixed
        crm_dead = next(d for d in dead if d.endpoint.endswith(":crm"))
        args = ["booking", "webhooks", "dlq", "replay", "--db", harness.db_url, "--config", cli_config]
        one = runner.invoke(app, [*args, "--id", str(crm_dead.id)])
        assert one.exit_code == 0, one.output
        assert "delivered" in one.output
        assert partner.accepted("/crm") == [wanted[0]]
        twice = runner.invoke(app, [*args, "--id", str(crm_dead.id)])  # replayed again: not sent again
        assert twice.exit_code == 0 and "already delivered" in twice.output
        assert partner.accepted("/crm") == [wanted[0]]
        missing = runner.invoke(app, [*args, "--id", "999999"])
        assert missing.exit_code == 1 and missing.output.startswith("error: dead letter 999999 not found")
        rest = runner.invoke(app, args)  # "gone" is still down: it fails again, exit 1
        assert rest.exit_code == 1 and "gone" in rest.output
        # the worker goes on: crm gets the next event, once
        harness.clock.advance(seconds=61)
        _deliver(harness, config, sleeps)
        assert partner.accepted("/crm") == wanted
    assert booking["status"] == "pending_payment"


def test_a_refusing_4xx_is_dead_lettered_at_once(harness: Harness, staff_keys: StaffKeys) -> None:
    harness.booked("doc_blr01_01", slot(TOMORROW, "10:45"))
    with partner_server() as partner:
        partner.script = {"/strict": [400]}
        config = _config(staff_keys, [_hook("strict", f"{partner.base_url}/strict", ["appointment.booked"])])
        report = _deliver(harness, config, [])
        assert report.dead_lettered == 1 and len(partner.received) == 1
    [dead] = _rows(harness, PartnerDeadLetter)
    assert (dead.attempts, dead.last_status_code, dead.last_error) == (1, 400, "HTTP 400")


def test_partners_cannot_subscribe_to_the_services_own_metrics() -> None:
    hook = _hook(
        "crm", "https://crm.example.com/hooks", ["appointment.booked", "ops.webhook.delivery.failed"]
    )
    with pytest.raises(ValidationError, match="are the service's own metrics"):
        BookingConfig.model_validate({"tenants": [{"tenant_id": TENANT, "partner_webhooks": [hook]}]})
