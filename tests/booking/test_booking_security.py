"""Security properties, each on SQLite and PostgreSQL: signatures, replays, timestamps, idempotency,
tenant isolation, forward-only payment state, staff tokens."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from booking_harness import (
    OTHER,
    RAZORPAY_SECRETS,
    START,
    TELE_SECRETS,
    TENANT,
    Harness,
    StaffKeys,
    iso,
    new_key,
    payment_event,
    slot,
)

from booking.domain.clock import IST

TOMORROW = START.astimezone(IST).date() + timedelta(days=1)


def _deposit_order(harness: Harness, hhmm: str = "10:00", **kwargs: object) -> tuple[str, str, int]:
    booking = harness.booked("doc_blr01_01", slot(TOMORROW, hhmm), **kwargs)  # type: ignore[arg-type]
    order = booking["orders"][0]
    return booking["booking_id"], order["order_id"], order["amount_paise"]


def _status(harness: Harness, booking_id: str, headers: dict[str, str] | None = None) -> dict:
    return harness.get(f"/v1/bookings/{booking_id}", headers=headers).json()


def test_forged_razorpay_signature_is_rejected(harness: Harness) -> None:
    booking_id, order_id, amount = _deposit_order(harness)
    payload = payment_event(
        "payment.captured", "pay_FORGED0000001", order_id, amount, "upi", harness.clock.now()
    )
    forged = harness.razorpay(payload, secret="not-the-secret")
    assert forged.status_code == 401
    tampered_body = json.dumps(payload).encode()
    signature = harness.razorpay(payload).request.headers[
        "X-Razorpay-Signature"
    ]  # a real one, for this body...
    payload["payload"]["payment"]["entity"]["amount"] = 1  # ...then the body changes
    assert harness.razorpay(payload, signature=signature).status_code == 401
    assert harness.http.post("/v1/webhooks/razorpay", content=tampered_body).status_code == 401  # unsigned
    # the one genuine delivery above is the only effect
    captured = harness.events("payment.deposit.paid")
    assert [e["data"]["payment_id"] for e in captured] == ["pay_FORGED0000001"]
    assert _status(harness, booking_id)["status"] == "confirmed"


def test_another_tenants_secret_cannot_pay_our_orders(harness: Harness) -> None:
    booking_id, order_id, amount = _deposit_order(harness)
    payload = payment_event(
        "payment.captured", "pay_CROSS00000001", order_id, amount, "upi", harness.clock.now()
    )
    response = harness.razorpay(payload, secret=RAZORPAY_SECRETS[OTHER])
    assert response.status_code == 200 and response.json()["detail"].startswith("ignored")
    assert _status(harness, booking_id)["status"] == "pending_payment"
    assert harness.events("payment.deposit.paid") == []


def test_another_tenants_event_id_does_not_shadow_ours(harness: Harness) -> None:
    """Receipts are per tenant: B's signed event (ignored for A's order) with id X, then A's genuine X."""
    booking_id, order_id, amount = _deposit_order(harness)
    payload = payment_event(
        "payment.captured", "pay_SHADOW000001", order_id, amount, "upi", harness.clock.now()
    )
    theirs = harness.razorpay(payload, event_id="evt_shared_1", secret=RAZORPAY_SECRETS[OTHER])
    assert theirs.json() == {
        "status": "processed",
        "detail": "ignored: order is not one of this tenant's bookings",
    }
    ours = harness.razorpay(payload, event_id="evt_shared_1", secret=RAZORPAY_SECRETS[TENANT])
    assert ours.json() == {"status": "processed", "detail": "payment captured"}
    assert _status(harness, booking_id)["status"] == "confirmed"
    again = harness.razorpay(payload, event_id="evt_shared_1", secret=RAZORPAY_SECRETS[TENANT])
    assert again.json()["status"] == "duplicate"  # the guard still holds within the tenant


def test_replayed_webhook_has_one_effect(harness: Harness) -> None:
    booking_id, order_id, amount = _deposit_order(harness)
    payload = payment_event(
        "payment.captured", "pay_REPLAY0000001", order_id, amount, "upi", harness.clock.now()
    )
    first = harness.razorpay(payload, event_id="evt_replay_1")
    second = harness.razorpay(payload, event_id="evt_replay_1")
    assert first.json()["status"] == "processed" and second.json()["status"] == "duplicate"
    # the same capture under a new event id (Razorpay retries with a new id only for a new event) changes nothing
    third = harness.razorpay(payload, event_id="evt_replay_2")
    assert third.json()["detail"] == "no change: payment is already captured"
    assert len(harness.events("payment.deposit.paid")) == 1
    assert _status(harness, booking_id)["paid_paise"] == amount


def test_late_authorized_after_captured_changes_nothing(harness: Harness) -> None:
    booking_id, order_id, amount = _deposit_order(harness)
    now = harness.clock.now()
    captured = harness.razorpay(
        payment_event("payment.captured", "pay_OOO000000001", order_id, amount, "card", now)
    )
    assert captured.json()["detail"] == "payment captured"
    late = harness.razorpay(
        payment_event("payment.authorized", "pay_OOO000000001", order_id, amount, "card", now)
    )
    assert late.status_code == 200 and late.json()["detail"] == "no change: payment is already captured"
    failed = harness.razorpay(
        payment_event("payment.failed", "pay_OOO000000001", order_id, amount, "card", now)
    )
    assert failed.json()["detail"] == "no change: payment is already captured"
    assert _status(harness, booking_id)["status"] == "confirmed"
    assert len(harness.events("payment.deposit.paid")) == 1


# The verifier reads the service's (manual) clock, so the 300 s boundary is exact: no wall time to race.
@pytest.mark.parametrize("skew", [-301, 301, -3600])
def test_stale_or_future_timestamp_is_rejected(harness: Harness, skew: int) -> None:
    now = int(harness.clock.now().timestamp())
    response = harness.tele_event("tele.session.started", "room_ABCDEFGHIJKLMN", timestamp=now + skew)
    assert response.status_code == 401
    assert "replay protection" in response.json()["detail"]


@pytest.mark.parametrize("skew", [-300, 300])
def test_timestamp_at_the_tolerance_is_accepted(harness: Harness, skew: int) -> None:
    now = int(harness.clock.now().timestamp())
    response = harness.tele_event("tele.session.started", "room_ABCDEFGHIJKLMN", timestamp=now + skew)
    assert response.status_code == 200, response.text


def test_tele_webhook_signature_and_replay(harness: Harness) -> None:
    assert harness.tele_event("tele.session.started", "room_X", secret="wrong").status_code == 401
    unsigned = harness.http.post("/v1/webhooks/tele", json={"event_id": "e1"})
    assert unsigned.status_code == 401
    garbage = harness.http.post("/v1/webhooks/tele", json={}, headers={"X-MyMedic-Signature": "v1=abc"})
    assert garbage.status_code == 401
    ok = harness.tele_event("tele.session.started", "room_UNKNOWN00001", event_id="tel_1")
    assert ok.status_code == 200 and ok.json()["status"] == "processed"
    again = harness.tele_event("tele.session.started", "room_UNKNOWN00001", event_id="tel_1")
    assert again.json()["status"] == "duplicate"


def test_missing_idempotency_key_is_rejected(harness: Harness) -> None:
    response = harness.post(
        "/v1/bookings",
        {
            "branch_id": "br_blr01",
            "doctor_id": "doc_blr01_01",
            "slot_start": iso(slot(TOMORROW, "10:00")),
            "patient": {"name": "Asha Rao", "phone": "9812345678"},
        },
        key=None,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert harness.events() == []


def test_same_key_same_body_replays_the_first_response(harness: Harness) -> None:
    key = new_key()
    first = harness.book("doc_blr01_01", slot(TOMORROW, "10:00"), key=key)
    second = harness.book("doc_blr01_01", slot(TOMORROW, "10:00"), key=key)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert len(harness.events("appointment.booked")) == 1


def test_same_key_different_body_is_rejected(harness: Harness) -> None:
    key = new_key()
    assert harness.book("doc_blr01_01", slot(TOMORROW, "10:00"), key=key).status_code == 201
    other = harness.book("doc_blr01_01", slot(TOMORROW, "10:15"), key=key)
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert len(harness.events("appointment.booked")) == 1
    # keys are per tenant: the other tenant may use the same key
    theirs = harness.book("doc_del01_01", slot(TOMORROW, "10:00"), tenant=OTHER, key=key)
    assert theirs.status_code == 201


def test_cross_tenant_reads_and_writes_answer_404(harness: Harness) -> None:
    ours, _, _ = _deposit_order(harness)
    theirs = harness.booked("doc_del01_01", slot(TOMORROW, "10:00"), tenant=OTHER)["booking_id"]
    other = harness.portal(OTHER)
    other_staff = harness.staff_headers(OTHER)
    assert harness.get(f"/v1/bookings/{ours}", headers=other).status_code == 404
    assert harness.get(f"/v1/bookings/{ours}", headers=other_staff).status_code == 404
    assert harness.get(f"/v1/bookings/{ours}/tele-link", headers=other).status_code == 404
    assert harness.get(f"/v1/bookings/{theirs}").status_code == 404
    for path, body in [
        (f"/v1/bookings/{ours}/cancel", {"reason": "other"}),
        (f"/v1/bookings/{ours}/reschedule", {"slot_start": iso(slot(TOMORROW, "12:00"))}),
        (f"/v1/bookings/{ours}/payment-orders", {"purpose": "deposit"}),
    ]:
        assert harness.post(path, body, headers=other).status_code == 404, path
    for action in ("complete", "no-show"):
        assert harness.post(f"/v1/bookings/{ours}/{action}", headers=other_staff).status_code == 404
    # their doctors and branches do not exist for us either
    assert harness.get("/v1/doctors/doc_del01_01/slots", date=TOMORROW.isoformat()).status_code == 404
    assert harness.get("/v1/doctors", branch_id="br_del01").status_code == 404
    assert harness.book("doc_del01_01", slot(TOMORROW, "11:00"), branch_id="br_del01").status_code == 404
    audit = harness.get("/v1/audit-events", headers=other_staff, entity_id=ours)
    assert audit.status_code == 200 and audit.json() == []
    assert _status(harness, ours)["status"] == "pending_payment"


def test_over_long_staff_subject_is_refused_not_a_server_error(harness: Harness) -> None:
    """The audit actor is `staff:<sub>` in 200 characters: a longer sub is refused at sign-in (401)."""
    booking_id, _, _ = _deposit_order(harness)
    longest = harness.staff_headers(sub="s" * 194)
    too_long = harness.staff_headers(sub="s" * 195)
    refused = harness.post(f"/v1/bookings/{booking_id}/cancel", {"reason": "other"}, headers=too_long)
    assert refused.status_code == 401, refused.text
    assert refused.json()["detail"] == "the bearer token's 'sub' claim is longer than 194 characters"
    assert _status(harness, booking_id)["status"] == "pending_payment"
    done = harness.post(f"/v1/bookings/{booking_id}/cancel", {"reason": "other"}, headers=longest)
    assert done.status_code == 200, done.text
    audit = harness.get("/v1/audit-events", headers=longest, entity_id=booking_id).json()
    assert {row["actor"] for row in audit} >= {"staff:" + "s" * 194}


def test_staff_tokens_are_verified(harness: Harness, staff_keys: StaffKeys) -> None:
    booking_id, _, _ = _deposit_order(harness)
    path = f"/v1/bookings/{booking_id}"

    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    assert harness.get(path, headers=harness.staff_headers()).status_code == 200
    assert harness.get(path, headers=bearer(staff_keys.token(expires_in=-120))).status_code == 401
    assert harness.get(path, headers=bearer(staff_keys.token(audience="someone-else"))).status_code == 401
    assert harness.get(path, headers=bearer(staff_keys.token(issuer="https://evil.test/"))).status_code == 401
    assert harness.get(path, headers=bearer(staff_keys.token(key=StaffKeys().private))).status_code == 401
    assert harness.get(path, headers=bearer(staff_keys.token("tnt_unknown"))).status_code == 401
    assert harness.get(path, headers=bearer(staff_keys.token(roles=["patient"]))).status_code == 403
    assert harness.get(path, headers=bearer("not.a.jwt")).status_code == 401
    import jwt as pyjwt

    unsigned = pyjwt.encode({"sub": "x", "tenant_id": TENANT}, key="", algorithm="none")
    assert harness.get(path, headers=bearer(unsigned)).status_code == 401


def test_audit_trail_masks_phones_and_holds_no_card_data(harness: Harness) -> None:
    booking_id, order_id, amount = _deposit_order(harness, phone="+91 98123 45678")
    harness.pay(order_id, amount, method="card")
    trail = harness.get("/v1/audit-events", headers=harness.staff_headers(), entity_id=booking_id).json()
    assert [a["action"] for a in trail] == ["booking.created", "booking.confirmed"]
    assert trail[0]["actor"] == "api_key:portal" and trail[1]["actor"] == "webhook:razorpay"
    assert trail[1]["before"]["status"] == "pending_payment" and trail[1]["after"]["status"] == "confirmed"
    from sqlalchemy import select

    from booking.infra.db import Database
    from booking.infra.models import AuditEvent

    db = Database(harness.db_url)
    with db.read() as s:
        rows = s.scalars(select(AuditEvent)).all()
    db.dispose()
    text = " ".join(f"{r.before} {r.after}" for r in rows)
    assert "9812345678" not in text and "******5678" in text
    assert "1111" not in text and "Asha" not in text  # no card last4 from the gateway, no patient name
    assert {r.action for r in rows} >= {
        "patient.created",
        "booking.created",
        "order.created",
        "payment.captured",
    }


def test_ip_allowlist_for_webhooks(db_url: str, clock, staff_keys: StaffKeys) -> None:  # type: ignore[no-untyped-def]
    from booking_harness import make_config
    from fastapi.testclient import TestClient

    from booking.api.app import create_app

    config = make_config(
        staff_keys,
        razorpay={"secrets": [RAZORPAY_SECRETS[TENANT]], "ip_allowlist": ["52.66.0.0/16"]},
        tele={
            "app_secret": "y" * 32,
            "webhook": {"secrets": [TELE_SECRETS[TENANT]], "ip_allowlist": ["10.1.2.3/32"]},
        },
    )
    app = create_app(config, db_url=db_url, clock=clock)
    for host, expected in (("52.66.10.20", 200), ("203.0.113.9", 403)):
        with TestClient(app, client=(host, 40000)) as client:
            h = Harness(http=client, clock=clock, db_url=db_url, staff=staff_keys)
            payload = payment_event(
                "payment.captured", "pay_IP0000000001", "order_UNKNOWN0001", 100, "upi", clock.now()
            )
            assert h.razorpay(payload).status_code == expected, host
            assert h.tele_event("tele.session.started", "room_NONE0000001").status_code == 403
