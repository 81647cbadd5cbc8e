"""Tele visits: prepaid, a room and signed join links once paid, session webhooks from the provider."""

from __future__ import annotations

from datetime import timedelta

import jwt
from booking_harness import START, TELE_APP_SECRET, Harness, iso, slot

from booking.domain.clock import IST

TOMORROW = START.astimezone(IST).date() + timedelta(days=1)


def _tele_booking(harness: Harness, hhmm: str = "15:00") -> dict:
    booking = harness.booked("doc_blr01_01", slot(TOMORROW, hhmm), visit_type="tele")
    assert booking["fee_paise"] == booking["deposit_paise"] == 40_000  # prepaid in full
    return booking


def test_tele_is_prepaid_then_a_room_and_links(harness: Harness) -> None:
    booking = _tele_booking(harness)
    link_path = f"/v1/bookings/{booking['booking_id']}/tele-link"
    unpaid = harness.get(link_path)
    assert unpaid.status_code == 409 and "prepaid" in unpaid.json()["detail"]
    harness.clock.set(slot(TOMORROW, "15:05"))
    assert (
        harness.post(
            f"/v1/bookings/{booking['booking_id']}/complete", headers=harness.staff_headers()
        ).status_code
        == 409
    )
    harness.clock.set(START)
    assert harness.events("tele.room.created") == []
    harness.pay(booking["orders"][0]["order_id"], 40_000)
    [room_event] = harness.events("tele.room.created")
    room_id = room_event["data"]["room_id"]
    assert room_event["data"] == {
        "booking_id": booking["booking_id"],
        "room_id": room_id,
        "patient_id": booking["patient_id"],
        "doctor_id": "doc_blr01_01",
        "branch_id": "br_blr01",
        "provider": "jitsi",
        "slot_start": iso(slot(TOMORROW, "15:00")).replace("Z", ".000Z"),
        "link_valid_from": iso(slot(TOMORROW, "14:45")).replace("Z", ".000Z"),
        "link_expires_at": iso(slot(TOMORROW, "16:15")).replace("Z", ".000Z"),
    }
    patient = harness.get(link_path).json()
    doctor = harness.get(link_path, headers=harness.staff_headers()).json()
    assert patient["room_id"] == room_id and patient["role"] == "patient" and doctor["role"] == "doctor"
    token = patient["join_url"].split("?jwt=")[1]
    claims = jwt.decode(
        token,
        TELE_APP_SECRET,
        algorithms=["HS256"],
        audience="jitsi",
        options={"verify_exp": False, "verify_nbf": False},
    )
    assert claims["room"] in patient["join_url"] and claims["context"]["user"]["moderator"] is False
    assert claims["exp"] - claims["nbf"] == 90 * 60
    staff_claims = jwt.decode(
        doctor["join_url"].split("?jwt=")[1], TELE_APP_SECRET, algorithms=["HS256"], audience="jitsi",
        options={"verify_exp": False, "verify_nbf": False},
    )  # fmt: skip
    assert staff_claims["context"]["user"]["moderator"] is True
    try:
        jwt.decode(token, "another-secret-of-32-bytes-or-more!", algorithms=["HS256"], audience="jitsi")
        raise AssertionError("a link signed with our secret must not verify with another")
    except jwt.InvalidSignatureError:
        pass


def test_session_webhooks_complete_the_visit(harness: Harness) -> None:
    booking = _tele_booking(harness)
    harness.pay(booking["orders"][0]["order_id"], 40_000)
    room_id = harness.get(f"/v1/bookings/{booking['booking_id']}").json()["tele_room_id"]
    harness.clock.set(slot(TOMORROW, "15:01"))
    assert harness.tele_event("tele.session.started", room_id).json()["detail"] == "session started"
    harness.clock.set(slot(TOMORROW, "15:13"))
    done = harness.tele_event("tele.session.completed", room_id)
    assert done.json()["detail"] == "session completed"
    late_start = harness.tele_event("tele.session.started", room_id)
    assert late_start.json()["detail"] == "no change: session is already completed"
    final = harness.get(f"/v1/bookings/{booking['booking_id']}").json()
    assert final["status"] == "completed" and final["balance_due_paise"] == 0
    assert [o["purpose"] for o in final["orders"]] == ["deposit"]  # prepaid: no balance order
    [completed] = harness.events("tele.session.completed")
    assert completed["data"]["duration_seconds"] == 12 * 60
    assert [e["type"] for e in harness.events()][-3:] == [
        "tele.session.started",
        "tele.session.completed",
        "appointment.completed",
    ]


def test_failed_session_is_recorded(harness: Harness) -> None:
    booking = _tele_booking(harness)
    harness.pay(booking["orders"][0]["order_id"], 40_000)
    room_id = harness.get(f"/v1/bookings/{booking['booking_id']}").json()["tele_room_id"]
    failed = harness.tele_event("tele.session.failed", room_id, reason="patient network dropped")
    assert failed.json()["detail"] == "session failed"
    [event] = harness.events("tele.session.failed")
    assert event["data"]["reason"] == "patient network dropped"
    assert harness.get(f"/v1/bookings/{booking['booking_id']}").json()["status"] == "confirmed"


def _room(harness: Harness) -> tuple[dict, str]:
    booking = _tele_booking(harness)
    harness.pay(booking["orders"][0]["order_id"], 40_000)
    return booking, harness.get(f"/v1/bookings/{booking['booking_id']}").json()["tele_room_id"]


def test_year_one_timestamps_are_a_bad_request(harness: Harness) -> None:
    """0001-01-01T00:00+05:30 is before datetime.min in UTC: a 400, not a 500."""
    booking, room_id = _room(harness)
    year_one = "0001-01-01T00:00:00+05:30"
    for extra in ({"occurred_at": year_one}, {"started_at": year_one}, {"ended_at": year_one}):
        response = harness.tele_event("tele.session.completed", room_id, **extra)
        assert response.status_code == 400, (extra, response.text)
        assert response.json()["detail"].startswith("not a tele session event: ")
    assert harness.get(f"/v1/bookings/{booking['booking_id']}").json()["status"] == "confirmed"


def test_completed_session_ending_before_it_started_is_refused(harness: Harness) -> None:
    booking, room_id = _room(harness)
    harness.clock.set(slot(TOMORROW, "15:20"))
    backwards = harness.tele_event(
        "tele.session.completed",
        room_id,
        started_at=iso(slot(TOMORROW, "15:10")),
        ended_at=iso(slot(TOMORROW, "15:05")),
    )
    assert backwards.status_code == 400, backwards.text
    assert "ends before it starts" in backwards.json()["detail"]
    # the start the provider reported earlier counts too
    started = harness.tele_event("tele.session.started", room_id, started_at=iso(slot(TOMORROW, "15:10")))
    assert started.json()["detail"] == "session started"
    early_end = harness.tele_event("tele.session.completed", room_id, ended_at=iso(slot(TOMORROW, "15:05")))
    assert early_end.status_code == 400, early_end.text
    assert "ends before it starts" in early_end.json()["detail"]
    assert harness.events("tele.session.completed") == []
    assert harness.get(f"/v1/bookings/{booking['booking_id']}").json()["status"] == "confirmed"
    fine = harness.tele_event("tele.session.completed", room_id, ended_at=iso(slot(TOMORROW, "15:25")))
    assert fine.json()["detail"] == "session completed"
    assert harness.events("tele.session.completed")[0]["data"]["duration_seconds"] == 15 * 60
