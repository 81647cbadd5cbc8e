"""Portal functions end to end over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

from booking_harness import OTHER, START, Harness, iso, slot

from booking.domain.clock import IST

TODAY = START.astimezone(IST).date()  # Thursday 2026-10-01
TOMORROW = TODAY + timedelta(days=1)


def test_branches_and_doctors_by_branch_and_specialty(harness: Harness) -> None:
    branches = harness.get("/v1/branches").json()
    assert [b["branch_id"] for b in branches] == ["br_blr01", "br_mum01"]
    doctors = harness.get("/v1/doctors", branch_id="br_mum01").json()
    assert [d["doctor_id"] for d in doctors] == ["doc_mum01_01", "doc_mum01_02"]
    gps = harness.get("/v1/doctors", specialty="General Physician").json()
    assert {d["doctor_id"] for d in gps} == {"doc_blr01_01", "doc_mum01_01"}
    assert gps[0]["consultation_fee_paise"] == 50_000
    other = harness.get("/v1/branches", headers=harness.portal(OTHER)).json()
    assert [b["branch_id"] for b in other] == ["br_del01"]


def test_free_slots_exclude_the_past_and_booked_ones(harness: Harness) -> None:
    today = harness.get("/v1/doctors/doc_blr01_01/slots", date=TODAY.isoformat()).json()
    # 08:00 IST now: all 32 slots of the day are ahead
    assert len(today) == 32
    assert today[0]["slot_start"] == iso(slot(TODAY, "09:00"))
    harness.clock.set(slot(TODAY, "12:05"))
    later = harness.get("/v1/doctors/doc_blr01_01/slots", date=TODAY.isoformat()).json()
    assert later[0]["slot_start"] == iso(slot(TODAY, "12:15"))
    harness.booked("doc_blr01_01", slot(TODAY, "12:30"))
    after = harness.get("/v1/doctors/doc_blr01_01/slots", date=TODAY.isoformat()).json()
    assert iso(slot(TODAY, "12:30")) not in {s["slot_start"] for s in after}
    sunday = TODAY + timedelta(days=3)
    assert harness.get("/v1/doctors/doc_blr01_01/slots", date=sunday.isoformat()).json() == []


def test_book_cancel_reschedule_lifecycle(harness: Harness) -> None:
    booking = harness.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
    assert booking["status"] == "pending_payment"
    assert booking["fee_paise"] == 50_000 and booking["deposit_paise"] == 15_000
    [order] = booking["orders"]
    assert order["purpose"] == "deposit" and order["amount_paise"] == 15_000
    moved = harness.post(
        f"/v1/bookings/{booking['booking_id']}/reschedule", {"slot_start": iso(slot(TOMORROW, "11:00"))}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["slot_start"] == iso(slot(TOMORROW, "11:00"))
    # the old slot is free again, the new one is taken
    free = {
        s["slot_start"]
        for s in harness.get("/v1/doctors/doc_blr01_01/slots", date=TOMORROW.isoformat()).json()
    }
    assert iso(slot(TOMORROW, "10:00")) in free and iso(slot(TOMORROW, "11:00")) not in free
    cancelled = harness.post(f"/v1/bookings/{booking['booking_id']}/cancel", {"reason": "patient_request"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["refunds"] == []  # nothing was paid
    again = harness.booked("doc_blr01_01", slot(TOMORROW, "11:00"), phone="9876501234")
    assert again["status"] == "pending_payment"
    types = [e["type"] for e in harness.events()]
    assert types == [
        "appointment.booked",
        "payment.initiated",
        "appointment.rescheduled",
        "appointment.cancelled",
        "appointment.booked",
        "payment.initiated",
    ]


def test_deposit_completion_and_balance(harness: Harness) -> None:
    booking = harness.booked("doc_mum01_01", slot(TOMORROW, "09:30"))
    harness.pay(booking["orders"][0]["order_id"], 13_500, method="card")
    paid = harness.get(f"/v1/bookings/{booking['booking_id']}").json()
    assert (
        paid["status"] == "confirmed" and paid["paid_paise"] == 13_500 and paid["balance_due_paise"] == 31_500
    )
    early = harness.post(f"/v1/bookings/{booking['booking_id']}/complete", headers=harness.staff_headers())
    assert early.status_code == 409
    harness.clock.set(slot(TOMORROW, "09:50"))
    done = harness.post(f"/v1/bookings/{booking['booking_id']}/complete", headers=harness.staff_headers())
    assert done.status_code == 200, done.text
    balance = [o for o in done.json()["orders"] if o["purpose"] == "balance"]
    assert [o["amount_paise"] for o in balance] == [31_500]
    harness.pay(balance[0]["order_id"], 31_500)
    final = harness.get(f"/v1/bookings/{booking['booking_id']}").json()
    assert final["paid_paise"] == 45_000 and final["balance_due_paise"] == 0
    assert [e["type"] for e in harness.events()][-3:] == [
        "appointment.completed",
        "payment.initiated",
        "payment.balance.paid",
    ]


def test_portal_keys_cannot_complete_or_mark_no_show(harness: Harness) -> None:
    booking = harness.booked("doc_blr01_01", slot(TODAY, "09:00"))
    harness.clock.set(slot(TODAY, "09:20"))
    for action in ("complete", "no-show"):
        response = harness.post(f"/v1/bookings/{booking['booking_id']}/{action}")
        assert response.status_code == 403, response.text
    response = harness.post(f"/v1/bookings/{booking['booking_id']}/no-show", headers=harness.staff_headers())
    assert response.status_code == 200 and response.json()["status"] == "no_show"


def test_pricing_visibility(harness: Harness) -> None:
    prices = harness.get("/v1/pricing", branch_id="br_blr01").json()
    assert prices[0] == {
        "doctor_id": "doc_blr01_01",
        "branch_id": "br_blr01",
        "specialty": "General Physician",
        "in_person_fee_paise": 50_000,
        "in_person_deposit_paise": 15_000,
        "tele_fee_paise": 40_000,
        "currency": "INR",
    }


def test_validation_errors_name_the_field(harness: Harness) -> None:
    response = harness.post(
        "/v1/bookings",
        {
            "branch_id": "br_blr01",
            "doctor_id": "doc_blr01_01",
            "slot_start": "2026-10-02T04:30:00",  # no zone
            "patient": {"name": "Asha", "phone": "12345"},
        },
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"body.slot_start", "body.patient.phone"}
    off_grid = harness.book("doc_blr01_01", slot(TOMORROW, "10:05"))
    assert off_grid.status_code == 422 and off_grid.json()["errors"][0]["field"] == "slot_start"
    past = harness.book("doc_blr01_01", slot(TODAY - timedelta(days=1), "10:00"))
    assert past.status_code == 422 and "past" in past.json()["detail"]
    bad_date = harness.get("/v1/doctors/doc_blr01_01/slots", date="2026-13-01")
    assert bad_date.status_code == 422 and bad_date.json()["errors"][0]["field"] == "query.date"
    far = harness.get("/v1/doctors/doc_blr01_01/slots", date=date(2099, 1, 1).isoformat())
    assert far.status_code == 422
    assert harness.get("/v1/branches", headers={}).status_code == 401
    assert harness.get("/v1/branches", headers={"X-API-Key": "nope"}).status_code == 401


def test_reschedule_into_a_taken_slot_conflicts_and_changes_nothing(harness: Harness) -> None:
    mine = harness.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
    harness.booked("doc_blr01_01", slot(TOMORROW, "10:15"), phone="9876500000")
    path = f"/v1/bookings/{mine['booking_id']}/reschedule"
    taken = harness.post(path, {"slot_start": iso(slot(TOMORROW, "10:15"))})
    assert taken.status_code == 409 and "already booked" in taken.json()["detail"]
    same = harness.post(path, {"slot_start": iso(slot(TOMORROW, "10:00"))})
    assert same.status_code == 409
    assert harness.get(f"/v1/bookings/{mine['booking_id']}").json()["slot_start"] == iso(
        slot(TOMORROW, "10:00")
    )
    for hhmm in ("11:00", "11:15"):
        assert harness.post(path, {"slot_start": iso(slot(TOMORROW, hhmm))}).status_code == 200
    too_many = harness.post(path, {"slot_start": iso(slot(TOMORROW, "11:30"))})
    assert too_many.status_code == 409 and "at most 2 times" in too_many.json()["detail"]
    assert len(harness.events("appointment.rescheduled")) == 2


def test_a_cancelled_booking_cannot_be_cancelled_again_or_moved(harness: Harness) -> None:
    booking = harness.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
    path = f"/v1/bookings/{booking['booking_id']}"
    assert harness.post(f"{path}/cancel", {"reason": "patient_request"}).status_code == 200
    assert harness.post(f"{path}/cancel", {"reason": "patient_request"}).status_code == 409
    assert harness.post(f"{path}/reschedule", {"slot_start": iso(slot(TOMORROW, "11:00"))}).status_code == 409
    assert harness.post(f"{path}/payment-orders", {"purpose": "deposit"}).status_code == 409
    assert len(harness.events("appointment.cancelled")) == 1


def test_health(harness: Harness) -> None:
    assert harness.http.get("/healthz").json()["status"] == "ok"
