"""The worker's jobs against real SQLite and PostgreSQL with an injected clock: unpaid bookings expire and
free their slot (a late capture is refunded), replay guards are purged after their retention, and the
worker runs each job on its own schedule."""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
from booking_harness import (
    RAZORPAY_SECRETS,
    START,
    TENANT,
    Harness,
    StaffKeys,
    make_config,
    payment_event,
    serve_in_thread,
    slot,
)
from pydantic import ValidationError
from sqlalchemy import func, select
from typer.testing import CliRunner

from booking.domain.clock import IST, ManualClock
from booking.infra.db import Database
from booking.infra.models import IdempotencyKey, WebhookReceipt
from booking.infra.retention import purge_expired
from booking.integrations import signatures
from booking.services.expiry import expire_unpaid
from booking.services.partner_delivery import Transport
from booking.settings import BookingConfig
from booking.worker import JobResult, Worker
from mymedic.cli import app

TOMORROW = START.astimezone(IST).date() + timedelta(days=1)


def _expire(harness: Harness, staff_keys: StaffKeys, **overrides: object) -> int:
    db = Database(harness.db_url)
    try:
        return expire_unpaid(db, make_config(staff_keys, **overrides), harness.clock.now())
    finally:
        db.dispose()


def test_unpaid_booking_expires_after_its_hold_and_frees_the_slot(
    harness: Harness, staff_keys: StaffKeys
) -> None:
    when = slot(TOMORROW, "10:00")
    booking = harness.booked("doc_blr01_01", when)
    assert booking["status"] == "pending_payment"
    assert harness.book("doc_blr01_01", when, phone="+919800000002").status_code == 409
    harness.clock.advance(minutes=14)
    assert _expire(harness, staff_keys, payment_hold_minutes=15) == 0
    harness.clock.advance(minutes=1)
    assert _expire(harness, staff_keys, payment_hold_minutes=15) == 1
    assert _expire(harness, staff_keys, payment_hold_minutes=15) == 0  # once

    seen = harness.get(f"/v1/bookings/{booking['booking_id']}").json()
    assert seen["status"] == "expired"
    assert [o["status"] for o in seen["orders"]] == ["closed"]
    [expired] = harness.events("appointment.expired")
    assert expired["data"] == {"booking_id": booking["booking_id"], "hold_minutes": 15}
    assert expired["subject"] == booking["booking_id"]
    # the slot is free again: another patient books it
    assert harness.book("doc_blr01_01", when, phone="+919800000002").status_code == 201
    # an expired booking cannot be paid, cancelled or completed
    again = harness.post(f"/v1/bookings/{booking['booking_id']}/payment-orders", {"purpose": "deposit"})
    assert again.status_code == 409
    cancel = harness.post(f"/v1/bookings/{booking['booking_id']}/cancel", {"reason": "patient_request"})
    assert cancel.status_code == 409


def test_paid_and_free_bookings_do_not_expire(harness: Harness, staff_keys: StaffKeys) -> None:
    paid = harness.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
    harness.pay(paid["orders"][0]["order_id"], paid["deposit_paise"])
    harness.clock.advance(hours=2)
    assert _expire(harness, staff_keys) == 0
    assert harness.get(f"/v1/bookings/{paid['booking_id']}").json()["status"] == "confirmed"


def test_a_capture_after_expiry_is_refunded_in_full(harness: Harness, staff_keys: StaffKeys) -> None:
    booking = harness.booked("doc_blr01_01", slot(TOMORROW, "11:00"))
    order_id = booking["orders"][0]["order_id"]
    harness.clock.advance(minutes=20)
    assert _expire(harness, staff_keys) == 1
    payment_id = harness.pay(order_id, booking["deposit_paise"])  # the patient paid on a stale checkout
    seen = harness.get(f"/v1/bookings/{booking['booking_id']}").json()
    assert seen["status"] == "expired"
    assert [(r["payment_id"], r["amount_paise"], r["reason"]) for r in seen["refunds"]] == [
        (payment_id, booking["deposit_paise"], "paid_after_expiry")
    ]
    assert [e["data"]["reason"] for e in harness.events("payment.refund.initiated")] == ["paid_after_expiry"]


def test_receipts_retention_shorter_than_razorpays_retry_horizon_is_refused(tmp_path: object) -> None:
    with pytest.raises(ValidationError, match="at least 24"):
        BookingConfig.model_validate({"retention": {"webhook_receipts_hours": 23}})
    assert BookingConfig.model_validate({"retention": {"webhook_receipts_hours": 24}})
    result = CliRunner().invoke(
        app,
        [
            "booking",
            "worker",
            "--once",
            "--config",
            json.dumps({"retention": {"webhook_receipts_hours": 12}}),
        ],
    )
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the inline booking config: retention:"), (
        result.output
    )
    assert "Razorpay retries a webhook for 24 h" in lines[0] and "Traceback" not in result.output


def _count(db_url: str, model: type) -> int:
    db = Database(db_url)
    try:
        with db.read() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        db.dispose()


def test_purge_deletes_replay_guards_only_after_their_retention(
    harness: Harness, staff_keys: StaffKeys
) -> None:
    booking = harness.booked("doc_blr01_01", slot(TOMORROW, "12:00"))  # one idempotency key
    harness.pay(booking["orders"][0]["order_id"], booking["deposit_paise"])  # two webhook receipts
    config = BookingConfig.model_validate(
        {"retention": {"webhook_receipts_hours": 72, "idempotency_keys_hours": 24}}
    )
    db = Database(harness.db_url)
    start = harness.clock.now()
    try:
        assert (
            purge_expired(db, config.retention, start + timedelta(hours=23, minutes=59)).idempotency_keys == 0
        )
        assert _count(harness.db_url, IdempotencyKey) == 1
        done = purge_expired(db, config.retention, start + timedelta(hours=24, minutes=1))
        assert (done.idempotency_keys, done.webhook_receipts) == (1, 0)
        assert _count(harness.db_url, WebhookReceipt) == 2
        done = purge_expired(db, config.retention, start + timedelta(hours=72, minutes=1))
        assert (done.idempotency_keys, done.webhook_receipts) == (0, 2)
    finally:
        db.dispose()
    assert _count(harness.db_url, WebhookReceipt) == 0


def test_worker_runs_each_job_on_its_own_schedule(harness: Harness, staff_keys: StaffKeys) -> None:
    config = make_config(staff_keys).model_copy(
        update={
            "worker": BookingConfig.model_validate(
                {
                    "worker": {
                        "expire_every_seconds": 60,
                        "purge_every_seconds": 3600,
                        "deliver_every_seconds": 10,
                    }
                }
            ).worker
        }
    )
    clock = ManualClock(START)
    db = Database(harness.db_url)
    try:
        with httpx.Client() as client:
            worker = Worker(db, config, Transport(client=client, clock=clock, sleep=lambda _: None))
            ran = [[r.name for r in worker.tick()]]
            for seconds in (10, 40, 10, 3540):
                clock.advance(seconds=seconds)
                ran.append([r.name for r in worker.tick()])
            once = worker.run_once()
    finally:
        db.dispose()
    assert ran == [
        ["expire", "purge", "deliver"],  # t=0: everything is due
        ["deliver"],  # t=10
        ["deliver"],  # t=50
        ["expire", "deliver"],  # t=60
        ["expire", "purge", "deliver"],  # t=3600
    ]
    assert [r.name for r in once] == ["expire", "purge", "deliver"] and all(r.ok for r in once)


def test_worker_once_from_the_cli_expires_and_purges(harness: Harness) -> None:
    booking = harness.booked("doc_blr01_01", slot(TOMORROW, "12:30"))  # made at START, long before now
    config = {"tenants": [{"tenant_id": TENANT}]}
    result = CliRunner().invoke(
        app, ["booking", "worker", "--once", "--db", harness.db_url, "--config", json.dumps(config)]
    )
    assert result.exit_code == 0, result.output
    assert "expire: 1 bookings expired" in result.output
    assert "purge: 0 webhook receipts, 1 idempotency keys purged" in result.output
    assert "deliver: 0 delivered, 0 dead-lettered" in result.output
    assert harness.get(f"/v1/bookings/{booking['booking_id']}").json()["status"] == "expired"


def test_worker_runs_until_it_is_stopped(harness: Harness, staff_keys: StaffKeys) -> None:
    stop = threading.Event()
    seen: list[JobResult] = []

    def on_result(result: JobResult) -> None:
        seen.append(result)
        if len(seen) == 3:
            stop.set()  # as SIGTERM does

    db = Database(harness.db_url)
    try:
        with httpx.Client() as client:
            worker = Worker(db, make_config(staff_keys), Transport(client=client, clock=harness.clock))
            worker.run_forever(stop, on_result)
    finally:
        db.dispose()
    assert [(r.name, r.ok) for r in seen] == [("expire", True), ("purge", True), ("deliver", True)]


def test_expiry_racing_captures_leaves_each_booking_paid_or_refunded(
    harness: Harness, staff_keys: StaffKeys
) -> None:
    """Captures arrive through the real server while the expiry job runs: each booking ends either
    confirmed (the capture won) or expired with its capture refunded (the expiry won); nothing fails."""
    bookings = [
        harness.booked(
            "doc_blr01_02", slot(TOMORROW, f"{9 + i // 4:02d}:{15 * (i % 4):02d}"), phone=f"97000{i:05d}"
        )
        for i in range(8)
    ]
    harness.clock.advance(minutes=16)
    barrier = threading.Barrier(len(bookings) + 1)
    db = Database(harness.db_url)
    try:
        with serve_in_thread(harness.http.app) as base_url:

            def capture(booking: dict) -> int:
                payload = payment_event(
                    "payment.captured",
                    harness.next_payment_id(),
                    booking["orders"][0]["order_id"],
                    booking["deposit_paise"],
                    "upi",
                    harness.clock.now(),
                )
                body = json.dumps(payload).encode()
                headers = {
                    "Content-Type": "application/json",
                    signatures.RAZORPAY_SIGNATURE_HEADER: signatures.razorpay_signature(
                        RAZORPAY_SECRETS[TENANT], body
                    ),
                    signatures.RAZORPAY_EVENT_ID_HEADER: f"evt_{uuid.uuid4().hex[:16]}",
                }
                with httpx.Client(base_url=base_url, timeout=60) as client:
                    barrier.wait()
                    return client.post("/v1/webhooks/razorpay", content=body, headers=headers).status_code

            def expire() -> int:
                barrier.wait()
                return expire_unpaid(db, make_config(staff_keys), harness.clock.now())

            with ThreadPoolExecutor(max_workers=len(bookings) + 1) as pool:
                captured = [pool.submit(capture, b) for b in bookings]
                expired = pool.submit(expire)
                assert [f.result() for f in captured] == [200] * len(bookings)
                expired_count = expired.result()
    finally:
        db.dispose()
    outcomes = []
    for booking in bookings:
        seen = harness.get(f"/v1/bookings/{booking['booking_id']}").json()
        reasons = [r["reason"] for r in seen["refunds"]]
        outcomes.append((seen["status"], reasons))
        assert (seen["status"], reasons) in (("confirmed", []), ("expired", ["paid_after_expiry"])), seen
    assert sum(status == "expired" for status, _ in outcomes) == expired_count


def test_migration_0003_down_and_up_again_with_an_expired_booking(
    harness: Harness, staff_keys: StaffKeys
) -> None:
    """Down, an expired booking becomes cancelled and its closed order open (the old constraints take them);
    up again, the schema is the models' once more."""
    from alembic import command
    from sqlalchemy import text

    from booking.infra.db import alembic_config, downgrade, migrate

    booking = harness.booked("doc_blr01_01", slot(TOMORROW, "12:45"))
    harness.clock.advance(minutes=20)
    assert _expire(harness, staff_keys) == 1
    downgrade(harness.db_url, "0003-1")
    db = Database(harness.db_url)
    try:
        with db.read() as s:
            status = s.scalar(
                text("select status from bookings where booking_id = :b"), {"b": booking["booking_id"]}
            )
            orders = s.scalars(
                text("select status from payment_orders where booking_id = :b"), {"b": booking["booking_id"]}
            ).all()
    finally:
        db.dispose()
    assert (status, orders) == ("cancelled", ["created"])
    migrate(harness.db_url)
    command.check(alembic_config(harness.db_url))
