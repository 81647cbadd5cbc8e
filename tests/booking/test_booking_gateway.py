"""Orders and refunds made at Razorpay (gateway mode `razorpay`) against a real local HTTP server that speaks
Razorpay's documented Orders and Refunds APIs: the adapter alone, then through the real booking API on
SQLite and PostgreSQL. The backoff's sleep is injected and recorded, so no test waits."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from booking_harness import START, Harness, StaffKeys, iso, make_config, payment_event, slot
from fastapi.testclient import TestClient
from support.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay, serve

from booking.api.app import create_app
from booking.domain.clock import IST, ManualClock
from booking.domain.errors import BadGateway, Conflict
from booking.integrations.razorpay_api import Gateways, RazorpayGateway, receipt
from booking.settings import PaymentGateway

TOMORROW = START.astimezone(IST).date() + timedelta(days=1)


class Sleeps(list[float]):
    """The injected sleeper: records each wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def fake() -> Iterator[FakeRazorpay]:
    with serve() as running:
        yield running


def gateway_setting(fake: FakeRazorpay, secret: str = KEY_SECRET, **extra: Any) -> dict[str, Any]:
    return {"mode": "razorpay", "api_base_url": fake.url, "key_id": KEY_ID, "key_secret": secret, **extra}


def adapter(fake: FakeRazorpay, sleeps: Sleeps, secret: str = KEY_SECRET) -> RazorpayGateway:
    return RazorpayGateway(PaymentGateway.model_validate(gateway_setting(fake, secret)), sleep=sleeps)


def order(gateway: RazorpayGateway, n: int = 1) -> str:
    return gateway.create_order(
        amount=15_000,
        currency="INR",
        receipt=receipt("bk_T1", "deposit", str(n)),
        notes={"booking_id": "bk_T1"},
    )


# ---- the adapter ---------------------------------------------------------------------------------------


def test_an_order_is_created_with_the_documented_request_and_basic_auth(fake: FakeRazorpay) -> None:
    sleeps = Sleeps()
    order_id = order(adapter(fake, sleeps))
    [request] = fake.requests
    assert (request.method, request.path, request.authorized) == ("POST", "/v1/orders", True)
    assert request.body == {
        "amount": 15_000,
        "currency": "INR",
        "receipt": "bk_T1/deposit/1",
        "notes": {"booking_id": "bk_T1"},
        "unique_receipt": True,
    }
    assert fake.orders[order_id]["amount_due"] == 15_000 and sleeps == []


def test_a_wrong_key_secret_is_one_502_line_with_no_secret_and_no_retry(
    fake: FakeRazorpay, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "not-the-secret-0123456789"
    with caplog.at_level(logging.DEBUG), pytest.raises(BadGateway) as raised:
        order(adapter(fake, Sleeps(), secret=wrong))
    message = raised.value.detail
    assert raised.value.status_code == 502 and "\n" not in message
    assert "401 BAD_REQUEST_ERROR: Authentication failed" in message and "key_secret" in message
    assert wrong not in message and wrong not in caplog.text and KEY_SECRET not in caplog.text
    assert [r.authorized for r in fake.requests] == [False]  # a refused key is not retried
    assert fake.orders == {}


def test_a_500_is_retried_after_a_backoff_then_the_order_is_made(fake: FakeRazorpay) -> None:
    fake.fail_next(500)
    sleeps = Sleeps()
    order_id = order(adapter(fake, sleeps))
    assert len(fake.requests) == 2 and list(fake.orders) == [order_id]
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 2.0  # exponential with jitter, capped by max_wait_seconds


def test_a_lost_answer_retried_with_the_same_receipt_makes_one_order(fake: FakeRazorpay) -> None:
    fake.fail_next(503, after_processing=True)  # Razorpay made the order; its answer never arrived
    order_id = order(adapter(fake, Sleeps()))
    assert [r.body["receipt"] for r in fake.requests if r.body] == ["bk_T1/deposit/1", "bk_T1/deposit/1"]
    assert list(fake.orders) == [order_id]


def test_a_gateway_that_keeps_failing_is_a_502_after_the_configured_attempts(fake: FakeRazorpay) -> None:
    for _ in range(3):
        fake.fail_next(429)
    sleeps = Sleeps()
    with pytest.raises(BadGateway) as raised:
        order(adapter(fake, sleeps))
    assert "retry shortly" in raised.value.detail and "after 3 attempts" in raised.value.detail
    assert len(fake.requests) == 3 and len(sleeps) == 2 and fake.orders == {}


def test_a_refund_sends_speed_receipt_and_the_idempotency_header(fake: FakeRazorpay) -> None:
    fake.captured["pay_T0000000000001"] = 15_000
    gateway = adapter(fake, Sleeps())
    fake.fail_next(502, after_processing=True)
    key = receipt("pay_T0000000000001", "refund", "1")
    refund_id = gateway.create_refund(
        payment_id="pay_T0000000000001", amount=7_500, receipt=key, notes={"reason": "x"}
    )
    assert [r.path for r in fake.requests] == ["/v1/payments/pay_T0000000000001/refund"] * 2
    assert fake.requests[-1].body == {
        "amount": 7_500,
        "speed": "normal",
        "notes": {"reason": "x"},
        "receipt": key,
    }
    assert fake.requests[-1].headers["x-refund-idempotency"] == key
    assert list(fake.refunds) == [refund_id]  # the retry gave back the same refund
    with pytest.raises(Conflict) as raised:  # more than is left: Razorpay's 400, a 409 for the caller
        gateway.create_refund(
            payment_id="pay_T0000000000001", amount=10_000, receipt=key + "2", notes={"reason": "x"}
        )
    assert raised.value.detail == (
        "the payment gateway refused the refund (400 BAD_REQUEST_ERROR: "
        "The refund amount provided is greater than amount captured)"
    )


# ---- through the booking API -----------------------------------------------------------------------------


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def _harness(
    db_url: str, clock: ManualClock, staff_keys: StaffKeys, sleeps: Sleeps, setting: dict[str, Any]
) -> Iterator[Harness]:
    app = create_app(
        make_config(staff_keys, gateway=setting), db_url=db_url, clock=clock, gateways=Gateways(sleep=sleeps)
    )
    with TestClient(app) as client:
        yield Harness(http=client, clock=clock, db_url=db_url, staff=staff_keys)


@pytest.fixture
def online(
    db_url: str, clock: ManualClock, staff_keys: StaffKeys, sleeps: Sleeps, fake: FakeRazorpay
) -> Iterator[Harness]:
    yield from _harness(db_url, clock, staff_keys, sleeps, gateway_setting(fake))


def test_a_booking_with_a_deposit_gets_its_order_id_from_razorpay(
    online: Harness, fake: FakeRazorpay, sleeps: Sleeps
) -> None:
    fake.fail_next(500)  # retried within the request
    booking = online.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
    [order_row] = booking["orders"]
    made = fake.orders[order_row["order_id"]]
    assert made["amount"] == booking["deposit_paise"] == order_row["amount_paise"] == 15_000
    assert made["receipt"] == f"{booking['booking_id']}/deposit/1"
    assert made["notes"] == {
        "tenant_id": "tnt_arogya",
        "booking_id": booking["booking_id"],
        "purpose": "deposit",
    }
    assert len(sleeps) == 1
    [initiated] = online.events("payment.initiated")
    assert initiated["data"]["order_id"] == order_row["order_id"]
    # the other tenant stays offline: its ids are minted here and nothing reaches the gateway
    other = online.booked("doc_del01_01", slot(TOMORROW, "10:00"), tenant="tnt_sehat")
    assert other["orders"][0]["order_id"] not in fake.orders and len(fake.orders) == 1


def test_a_cancellation_refund_is_made_at_razorpay(online: Harness, fake: FakeRazorpay) -> None:
    booking = online.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
    payment_id = online.pay(booking["orders"][0]["order_id"], 15_000)
    fake.captured[payment_id] = 15_000  # Razorpay knows the payment the webhook told us about
    cancelled = online.post(f"/v1/bookings/{booking['booking_id']}/cancel", {"reason": "patient_request"})
    assert cancelled.status_code == 200, cancelled.text
    [refund] = cancelled.json()["refunds"]
    made = fake.refunds[refund["refund_id"]]
    assert (made["payment_id"], made["amount"], made["receipt"]) == (
        payment_id,
        15_000,
        f"{payment_id}/refund/1",
    )
    assert fake.requests[-1].headers["x-refund-idempotency"] == made["receipt"]
    assert online.refund_processed(refund).json()["detail"] == "refund processed"


def test_a_refused_key_answers_502_in_one_line_and_books_nothing(
    db_url: str, clock: ManualClock, staff_keys: StaffKeys, sleeps: Sleeps, fake: FakeRazorpay
) -> None:
    wrong = "not-the-secret-0123456789"
    for harness in _harness(db_url, clock, staff_keys, sleeps, gateway_setting(fake, secret=wrong)):
        response = harness.book("doc_blr01_01", slot(TOMORROW, "10:00"))
        assert response.status_code == 502
        detail = response.json()["detail"]
        assert detail.startswith("the payment gateway refused this clinic's API keys (401 ")
        assert "\n" not in detail and wrong not in response.text and KEY_SECRET not in response.text
        assert harness.events("appointment.booked") == []  # the booking was rolled back with its order
        free = harness.get("/v1/doctors/doc_blr01_01/slots", date=TOMORROW.isoformat()).json()
        assert iso(slot(TOMORROW, "10:00")) in {s["slot_start"] for s in free}  # the slot is still free


def test_a_duplicate_capture_is_refunded_at_razorpay_and_a_failed_refund_lets_razorpay_retry_the_webhook(
    online: Harness, fake: FakeRazorpay
) -> None:
    booking = online.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
    order_id = booking["orders"][0]["order_id"]
    online.pay(order_id, 15_000)
    second = online.next_payment_id()
    captured = payment_event("payment.captured", second, order_id, 15_000, "upi", online.clock.now())
    # Razorpay does not know the payment yet: the refund is refused, the webhook fails and changes nothing
    refused = online.razorpay(captured, event_id="evt_dup_capture_1")
    assert refused.status_code == 409 and "The id provided does not exist" in refused.json()["detail"]
    assert online.get(f"/v1/bookings/{booking['booking_id']}").json()["refunds"] == []
    fake.captured[second] = 15_000
    retried = online.razorpay(captured, event_id="evt_dup_capture_1")  # Razorpay's retry of the same event
    assert retried.status_code == 200, retried.text
    [refund] = online.get(f"/v1/bookings/{booking['booking_id']}").json()["refunds"]
    assert (refund["payment_id"], refund["reason"]) == (second, "duplicate_payment")
    assert fake.refunds[refund["refund_id"]]["amount"] == 15_000
