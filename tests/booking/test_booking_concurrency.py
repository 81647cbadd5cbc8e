"""50 concurrent requests for one slot against a real server (uvicorn on loopback): exactly one booking,
49 conflicts, the database's unique index doing the work. On PostgreSQL and on SQLite."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from booking_harness import KEYS, START, TENANT, Harness, iso, new_key, serve_in_thread, slot
from sqlalchemy import func, select

from booking.domain.clock import IST
from booking.infra.db import Database
from booking.infra.models import Booking, OutboxEvent

REQUESTS = 50
WHEN = slot(START.astimezone(IST).date() + timedelta(days=1), "10:00")


def test_fifty_concurrent_requests_for_one_slot_give_one_booking(harness: Harness) -> None:
    app = harness.http.app
    barrier = threading.Barrier(REQUESTS)

    with serve_in_thread(app) as base_url:

        def attempt(i: int) -> int:
            body = {
                "branch_id": "br_blr01",
                "doctor_id": "doc_blr01_01",
                "slot_start": iso(WHEN),
                "patient": {"name": f"Patient {i}", "phone": f"98765{i:05d}"},
            }
            headers = {"X-API-Key": KEYS[TENANT], "Idempotency-Key": new_key()}
            with httpx.Client(base_url=base_url, timeout=60) as client:
                barrier.wait()
                return client.post("/v1/bookings", json=body, headers=headers).status_code

        with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
            codes = list(pool.map(attempt, range(REQUESTS)))

    assert sorted(codes) == [201] + [409] * (REQUESTS - 1), codes
    db = Database(harness.db_url)
    try:
        with db.read() as s:
            live = s.scalar(
                select(func.count())
                .select_from(Booking)
                .where(Booking.slot_start == WHEN, Booking.status != "cancelled")
            )
            booked = s.scalar(
                select(func.count())
                .select_from(OutboxEvent)
                .where(OutboxEvent.event_type == "appointment.booked")
            )
    finally:
        db.dispose()
    assert live == 1 and booked == 1


def test_the_index_not_the_code_guards_the_slot(db_url: str) -> None:
    """Even a writer that skips every check cannot put two live bookings in one slot."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    from booking.infra.models import Patient

    db = Database(db_url)
    try:
        with db.write() as s:
            s.add(
                Patient(
                    patient_id="pat_x", tenant_id=TENANT, name="X", phone="+919800000001", created_at=START
                )
            )
        row = dict(
            tenant_id=TENANT, branch_id="br_blr01", doctor_id="doc_blr01_01", patient_id="pat_x",
            visit_type="in_person", slot_start=WHEN, slot_minutes=15, fee_paise=50_000, deposit_paise=0,
            channel="portal", reschedule_count=0, created_at=START, updated_at=START,
        )  # fmt: skip
        with db.write() as s:
            s.add(Booking(booking_id="bk_1", status="confirmed", **row))
        with pytest.raises(IntegrityError), db.write() as s:
            s.add(Booking(booking_id="bk_2", status="pending_payment", **row))
        with db.write() as s:  # a cancelled booking does not hold the slot
            s.add(Booking(booking_id="bk_3", status="cancelled", **row))
    finally:
        db.dispose()


def test_concurrent_retries_with_one_key_get_the_first_response(harness: Harness) -> None:
    """A client retrying in parallel with the same Idempotency-Key and body: one booking, one answer."""
    app = harness.http.app
    n = 10
    barrier = threading.Barrier(n)
    key = new_key()
    body = {
        "branch_id": "br_blr01",
        "doctor_id": "doc_blr01_01",
        "slot_start": iso(WHEN),
        "patient": {"name": "Asha Rao", "phone": "9876512345"},
    }
    with serve_in_thread(app) as base_url:

        def attempt(_: int) -> tuple[int, str]:
            with httpx.Client(base_url=base_url, timeout=60) as client:
                barrier.wait()
                response = client.post(
                    "/v1/bookings", json=body, headers={"X-API-Key": KEYS[TENANT], "Idempotency-Key": key}
                )
                return response.status_code, response.text

        with ThreadPoolExecutor(max_workers=n) as pool:
            answers = list(pool.map(attempt, range(n)))
    assert {code for code, _ in answers} == {201}, answers
    assert len({text for _, text in answers}) == 1
    assert len(harness.events("appointment.booked")) == 1
