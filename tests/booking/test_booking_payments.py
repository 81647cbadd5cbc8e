"""Deposits, balances and refunds through signed Razorpay webhooks (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from booking_harness import START, TENANT, Harness, payment_event, refund_event, slot
from sqlalchemy import select

from booking.domain.clock import IST
from booking.infra.db import Database
from booking.infra.models import AuditEvent, Payment

TOMORROW = START.astimezone(IST).date() + timedelta(days=1)


def _paid_booking(harness: Harness, hhmm: str = "10:00", method: str = "upi") -> tuple[dict, str]:
    booking = harness.booked("doc_blr01_01", slot(TOMORROW, hhmm))
    payment_id = harness.pay(booking["orders"][0]["order_id"], booking["deposit_paise"], method=method)
    return booking, payment_id


def test_cancel_early_refunds_in_full_and_the_refund_is_issued(harness: Harness) -> None:
    booking, payment_id = _paid_booking(harness)
    cancelled = harness.post(
        f"/v1/bookings/{booking['booking_id']}/cancel", {"reason": "patient_request"}
    ).json()
    [refund] = cancelled["refunds"]
    assert refund["amount_paise"] == 15_000 and refund["payment_id"] == payment_id
    assert refund["status"] == "initiated" and refund["refund_id"].startswith("rfnd_")
    assert harness.refund_processed(refund).json()["detail"] == "refund processed"
    assert harness.refund_processed(refund).json()["detail"] == "no change: refund is already processed"
    issued = harness.events("payment.refund.issued")
    assert [e["data"] for e in issued] == [
        {
            "refund_id": refund["refund_id"],
            "payment_id": payment_id,
            "amount_paise": 15_000,
            "reason": "appointment_cancelled",
        }
    ]
    final = harness.get(f"/v1/bookings/{booking['booking_id']}").json()
    assert final["refunded_paise"] == 15_000 and final["refunds"][0]["status"] == "processed"


def test_late_cancellation_refunds_per_policy(harness: Harness) -> None:
    booking, _ = _paid_booking(harness, "10:00")
    other, _ = _paid_booking(harness, "10:15")
    harness.clock.set(slot(TOMORROW, "08:00"))  # 2 hours before: late
    late = harness.post(f"/v1/bookings/{booking['booking_id']}/cancel", {"reason": "patient_request"}).json()
    assert [(r["amount_paise"], r["reason"]) for r in late["refunds"]] == [
        (7_500, "late_cancellation_partial")
    ]
    doctor_away = harness.post(
        f"/v1/bookings/{other['booking_id']}/cancel",
        {"reason": "doctor_unavailable"},
        headers=harness.staff_headers(),
    ).json()
    assert [r["amount_paise"] for r in doctor_away["refunds"]] == [15_000]


def test_deposit_captured_after_cancellation_is_refunded_in_full(harness: Harness) -> None:
    booking = harness.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
    harness.post(f"/v1/bookings/{booking['booking_id']}/cancel", {"reason": "payment_not_completed"})
    payment_id = harness.pay(booking["orders"][0]["order_id"], 15_000)
    final = harness.get(f"/v1/bookings/{booking['booking_id']}").json()
    assert final["status"] == "cancelled"
    assert [(r["payment_id"], r["amount_paise"], r["reason"]) for r in final["refunds"]] == [
        (payment_id, 15_000, "paid_after_cancellation")
    ]


def test_second_capture_of_a_paid_order_is_refunded(harness: Harness) -> None:
    booking, first = _paid_booking(harness)
    second = harness.pay(booking["orders"][0]["order_id"], 15_000)
    final = harness.get(f"/v1/bookings/{booking['booking_id']}").json()
    assert final["paid_paise"] == 15_000  # the duplicate does not count as paid
    assert [(r["payment_id"], r["reason"]) for r in final["refunds"]] == [(second, "duplicate_payment")]
    assert [e["data"]["payment_id"] for e in harness.events("payment.deposit.paid")] == [first, second]


def test_refund_made_at_the_gateway_is_recorded(harness: Harness) -> None:
    booking, payment_id = _paid_booking(harness)
    now = harness.clock.now()
    processed = harness.razorpay(
        refund_event("refund.processed", "rfnd_DASHBOARD00001", payment_id, 5_000, now)
    )
    assert processed.json()["detail"] == "refund processed"
    created_late = harness.razorpay(
        refund_event("refund.created", "rfnd_DASHBOARD00001", payment_id, 5_000, now)
    )
    assert created_late.json()["detail"] == "no change: refund is already processed"
    assert [e["type"] for e in harness.events()][-2:] == ["payment.refund.initiated", "payment.refund.issued"]
    too_much = harness.razorpay(
        refund_event("refund.processed", "rfnd_DASHBOARD00002", payment_id, 99_999, now)
    )
    assert too_much.json()["detail"] == "refund processed"
    final = harness.get(f"/v1/bookings/{booking['booking_id']}").json()
    assert final["refunded_paise"] == 15_000  # capped at what was captured


def test_payment_events_for_unknown_orders_or_methods_are_ignored(harness: Harness) -> None:
    now = harness.clock.now()
    unknown = harness.razorpay(
        payment_event("payment.captured", "pay_UNKNOWN000001", "order_NOPE00000001", 100, "upi", now)
    )
    assert unknown.status_code == 200 and unknown.json()["detail"].startswith("ignored")
    booking = harness.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
    cod = harness.razorpay(
        payment_event(
            "payment.captured", "pay_COD0000000001", booking["orders"][0]["order_id"], 100, "cod", now
        )
    )
    assert "not supported" in cod.json()["detail"]
    emi = harness.pay(booking["orders"][0]["order_id"], 15_000, method="emi")
    assert harness.events("payment.deposit.paid")[0]["data"]["method"] == "card" and emi


def _send(harness: Harness, event: str, payment_id: str, order_id: str, amount: int, **kw: str) -> str:
    response = harness.razorpay(
        payment_event(event, payment_id, order_id, amount, "upi", harness.clock.now(), **kw)
    )
    assert response.status_code == 200, response.text
    return response.json()["detail"]


def test_late_authorisation_after_failure_is_captured_and_confirms(harness: Harness) -> None:
    """Razorpay's documented late authorisation: failed (bank timeout) → authorized → captured."""
    booking = harness.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
    order_id, amount = booking["orders"][0]["order_id"], booking["deposit_paise"]
    assert _send(harness, "payment.failed", "pay_LATEAUTH00001", order_id, amount) == "payment failed"
    assert _send(harness, "payment.authorized", "pay_LATEAUTH00001", order_id, amount) == "payment authorized"
    assert _send(harness, "payment.captured", "pay_LATEAUTH00001", order_id, amount) == "payment captured"
    final = harness.get(f"/v1/bookings/{booking['booking_id']}").json()
    assert final["status"] == "confirmed" and final["paid_paise"] == amount
    [paid] = harness.events("payment.deposit.paid")
    assert paid["data"]["payment_id"] == "pay_LATEAUTH00001" and paid["data"]["amount_paise"] == amount


def test_late_authorisation_auto_captured_after_failure_confirms(harness: Harness) -> None:
    """With automatic capture the authorized webhook may come after the captured one (or not at all)."""
    booking = harness.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
    order_id, amount = booking["orders"][0]["order_id"], booking["deposit_paise"]
    assert _send(harness, "payment.failed", "pay_LATEAUTO00001", order_id, amount) == "payment failed"
    assert _send(harness, "payment.captured", "pay_LATEAUTO00001", order_id, amount) == "payment captured"
    late = _send(harness, "payment.authorized", "pay_LATEAUTO00001", order_id, amount)
    assert late == "no change: payment is already captured"
    assert _send(harness, "payment.failed", "pay_LATEAUTO00001", order_id, amount) == late  # never backwards
    assert harness.get(f"/v1/bookings/{booking['booking_id']}").json()["status"] == "confirmed"
    assert len(harness.events("payment.deposit.paid")) == 1


@pytest.mark.parametrize(("amount", "currency"), [(1, "INR"), (15_000, "USD"), (15_001, "INR")])
def test_capture_differing_from_its_order_confirms_nothing(
    harness: Harness, amount: int, currency: str
) -> None:
    booking = harness.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
    order_id = booking["orders"][0]["order_id"]
    assert booking["deposit_paise"] == 15_000
    detail = _send(harness, "payment.captured", "pay_MISMATCH00001", order_id, amount, currency=currency)
    assert detail == "payment captured: amount or currency differs from the order; the order stays unpaid"
    after = harness.get(f"/v1/bookings/{booking['booking_id']}").json()
    assert after["status"] == "pending_payment" and after["paid_paise"] == 0
    assert after["orders"][0]["status"] == "created"
    assert harness.events("payment.deposit.paid") == []
    [mismatch] = harness.events("payment.capture.mismatched")
    assert mismatch["data"] == {
        "payment_id": "pay_MISMATCH00001",
        "order_id": order_id,
        "booking_id": booking["booking_id"],
        "patient_id": booking["patient_id"],
        "branch_id": "br_blr01",
        "purpose": "deposit",
        "amount_paise": amount,
        "currency": currency,
        "order_amount_paise": 15_000,
        "order_currency": "INR",
        "method": "upi",
        "gateway": "razorpay",
        "captured_at": mismatch["data"]["captured_at"],
    }
    db = Database(harness.db_url)
    try:
        with db.read() as s:
            audit = s.scalars(
                select(AuditEvent).where(AuditEvent.action == "payment.capture_mismatched")
            ).one()
            payment = s.get(Payment, "pay_MISMATCH00001")
    finally:
        db.dispose()
    assert payment is not None and (payment.status, payment.amount_paise, payment.currency) == (
        "captured",
        amount,
        currency,
    )
    assert json.loads(audit.after or "{}") == mismatch["data"]  # both amounts and currencies
    # the right amount still pays the order and confirms the booking
    harness.pay(order_id, 15_000)
    assert harness.get(f"/v1/bookings/{booking['booking_id']}").json()["status"] == "confirmed"


def test_payment_orders_endpoint_reuses_the_open_order(harness: Harness) -> None:
    booking = harness.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
    path = f"/v1/bookings/{booking['booking_id']}/payment-orders"
    again = harness.post(path, {"purpose": "deposit"})
    assert again.status_code == 201 and again.json()["order_id"] == booking["orders"][0]["order_id"]
    assert harness.post(path, {"purpose": "balance"}).status_code == 409
    harness.pay(booking["orders"][0]["order_id"], 15_000)
    assert harness.post(path, {"purpose": "deposit"}).status_code == 409
    assert len(harness.events("payment.initiated")) == 1


def test_every_event_passes_the_ingestion_contract(harness: Harness, tmp_path: Path) -> None:
    """The foundation's own loader takes every event we emit, tele.* included: nothing is quarantined."""
    from booking.domain.events import MESSAGE_EVENT_TYPES
    from booking.domain.message_status import STATUS_EVENT_TYPES
    from core.settings import warehouse_settings
    from core.warehouse import open_warehouse
    from ingestion.claim_event import CLAIM_EVENT_TYPE_NAMES
    from ingestion.feeds import LoadContext
    from ingestion.feeds.booking_events import FEED as EVENTS_FEED
    from ingestion.feeds.booking_events.reader import EVENT_TYPES
    from ingestion.loader import load_file
    from ingestion.mllp.ops_events import LISTENER_INTERVAL
    from ingestion.tables import create_raw_tables

    booking, _ = _paid_booking(harness, method="netbanking")
    moved = harness.post(
        f"/v1/bookings/{booking['booking_id']}/reschedule", {"slot_start": "2026-10-02T06:30:00Z"}
    )
    assert moved.status_code == 200, moved.text
    cancelled = harness.post(
        f"/v1/bookings/{booking['booking_id']}/cancel", {"reason": "schedule_conflict"}
    ).json()
    harness.refund_processed(cancelled["refunds"][0])
    tele = harness.booked("doc_blr01_01", slot(TOMORROW, "16:00"), visit_type="tele", phone="9700000001")
    harness.pay(tele["orders"][0]["order_id"], tele["deposit_paise"], method="wallet")
    harness.clock.set(slot(TOMORROW, "16:20"))
    completed = harness.post(
        f"/v1/bookings/{booking['booking_id']}/complete", headers=harness.staff_headers()
    )
    assert completed.status_code == 409  # cancelled
    later = harness.booked(
        "doc_mum01_01", slot(TOMORROW, "17:00"), phone="9700000002"
    )  # slot is later: still bookable
    _send(harness, "payment.captured", "pay_ONEPAISA00001", later["orders"][0]["order_id"], 1)  # mismatched

    events = harness.events()
    for event in events:
        assert set(event) == {
            "specversion", "id", "source", "type", "time", "subject", "datacontenttype", "tenantid", "branchid", "data"
        }  # fmt: skip
        assert event["time"].endswith("Z") and event["source"] == f"mymedic/booking/{event['branchid']}"
    ours = {e["type"] for e in events}
    assert ours - set(EVENT_TYPES) == set()
    assert "tele.room.created" in ours
    assert set(EVENT_TYPES) - ours == {
        "appointment.completed", "appointment.no_show", "payment.balance.paid",
        "tele.session.started", "tele.session.completed", "tele.session.failed",
        # the worker's: loaded in test_booking_events_in_dbt.py
        "appointment.expired", "ops.webhook.delivery.succeeded", "ops.webhook.delivery.failed",
        "ops.webhook.delivery.dead_lettered",
        # patient messages (this tenant sends none): loaded in test_booking_messages.py
        *MESSAGE_EVENT_TYPES,
        # the providers' delivery statuses (their webhooks): loaded in test_message_status_webhooks.py
        *STATUS_EVENT_TYPES,
        # insurance claims' events (the claims feeds publish them): loaded in test_claims_replay.py
        *CLAIM_EVENT_TYPE_NAMES,
        # the MLLP listener's interval counts: loaded in the listener's tests (tests/ingestion)
        LISTENER_INTERVAL,
    }  # fmt: skip

    path = tmp_path / "events.ndjson"
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    with open_warehouse(warehouse_settings(f"chdb://{tmp_path / 'wh'}")) as w:
        create_raw_tables(w)
        result = load_file(w, EVENTS_FEED, path, LoadContext(TENANT), source="events/events.ndjson")
        reasons = [r[0] for r in w.rows("select reason from raw.quarantine")]
    assert result.conserved and result.rows_loaded == len(events) and result.rows_quarantined == 0
    assert reasons == []
