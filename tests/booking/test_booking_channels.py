"""Demand channels over HTTP, on SQLite and PostgreSQL: `channel` and `campaign` codes travel from the link
into the booking and `appointment.booked`; the widget page is framed only by the tenant's allowed sites."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from booking_harness import OTHER, START, TENANT, Harness, StaffKeys, iso, make_config, new_key, slot
from fastapi.testclient import TestClient

from booking.api.app import create_app
from booking.domain.channels import widget_link
from booking.domain.clock import IST, ManualClock

TOMORROW = START.astimezone(IST).date() + timedelta(days=1)
CLINIC_SITE = "https://www.arogya.example"


@pytest.fixture
def widget_harness(db_url: str, clock: ManualClock, staff_keys: StaffKeys) -> Iterator[Harness]:
    config = make_config(staff_keys, widget={"allowed_sites": [CLINIC_SITE, "http://127.0.0.1:8123"]})
    with TestClient(create_app(config, db_url=db_url, clock=clock)) as client:
        yield Harness(http=client, clock=clock, db_url=db_url, staff=staff_keys)


def _booking(channel: str | None = None, campaign: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {
        "branch_id": "br_blr01",
        "doctor_id": "doc_blr01_01",
        "slot_start": iso(slot(TOMORROW, "10:00")),
        "patient": {"name": "Asha Rao", "phone": "+919812345678"},
    }
    if channel is not None:
        body["channel"] = channel
    if campaign is not None:
        body["campaign"] = campaign
    return body


def test_portal_bookings_default_to_channel_portal_and_no_campaign(harness: Harness) -> None:
    booking = harness.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
    assert (booking["channel"], booking["campaign"]) == ("portal", "")
    [event] = harness.events("appointment.booked")
    assert (event["data"]["channel"], event["data"]["campaign"]) == ("portal", "")


def test_link_codes_travel_into_the_booking_and_the_event(harness: Harness) -> None:
    response = harness.post("/v1/bookings", _booking("whatsapp", "diwali-2026"))
    assert response.status_code == 201, response.text
    assert (response.json()["channel"], response.json()["campaign"]) == ("whatsapp", "diwali-2026")
    read = harness.get(f"/v1/bookings/{response.json()['booking_id']}").json()
    assert (read["channel"], read["campaign"]) == ("whatsapp", "diwali-2026")
    [event] = harness.events("appointment.booked")
    assert event["data"]["channel"] == "whatsapp" and event["data"]["campaign"] == "diwali-2026"


@pytest.mark.parametrize(
    ("channel", "campaign", "field"),
    [
        ("QR", None, "body.channel"),  # upper case
        ("q", None, "body.channel"),  # too short
        ("x" * 21, None, "body.channel"),  # longer than the column
        ("qr", "spring sale", "body.campaign"),  # a space
        ("qr", "c" * 41, "body.campaign"),
        ("qr", "<script>", "body.campaign"),
    ],
)
def test_bad_codes_are_a_422_problem_naming_the_field(
    harness: Harness, channel: str, campaign: str | None, field: str
) -> None:
    response = harness.post("/v1/bookings", _booking(channel, campaign))
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert harness.events("appointment.booked") == []


def test_widget_page_is_framed_only_by_the_allowed_sites(widget_harness: Harness) -> None:
    link = widget_link("", TENANT, "br_blr01", doctor_id="doc_blr01_02", channel="qr", campaign="lobby-1")
    page = widget_harness.http.get(link)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    ancestors = next(d for d in csp.split(";") if d.strip().startswith("frame-ancestors")).split()[1:]
    assert ancestors == [CLINIC_SITE, "http://127.0.0.1:8123"]
    assert "script-src 'self'" in csp and "x-frame-options" not in page.headers
    assert 'data-channel="qr"' in page.text and 'data-campaign="lobby-1"' in page.text
    assert 'data-doctor="doc_blr01_02"' in page.text and "Arogya Indiranagar" in page.text
    script = widget_harness.http.get("/widget.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "iframe" in script.text
    for asset in ("app.js", "widget.css"):
        assert widget_harness.http.get(f"/widget-assets/{asset}").status_code == 200
    assert widget_harness.http.get("/widget-assets/page.html").status_code == 422


def test_widget_refuses_bad_codes_unknown_places_and_tenants_without_a_widget(
    widget_harness: Harness,
) -> None:
    http = widget_harness.http
    bad = http.get(f"/widget/{TENANT}/br_blr01", params={"campaign": "no spaces"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.campaign"
    assert http.get(f"/widget/{TENANT}/br_blr01", params={"channel": "Q"}).status_code == 422
    assert http.get(f"/widget/{TENANT}/br_nowhere").status_code == 404
    # a doctor of another branch is not offered on this branch's page
    assert http.get(f"/widget/{TENANT}/br_blr01", params={"doctor": "doc_mum01_01"}).status_code == 404
    # the other tenant has no widget configured: nothing of it is served
    assert http.get(f"/widget/{OTHER}/br_del01").status_code == 404
    assert http.get(f"/widget/{OTHER}/br_del01/doctors").status_code == 404


def test_booking_through_the_widget_needs_no_key_and_is_attributed(widget_harness: Harness) -> None:
    http = widget_harness.http
    base = f"/widget/{TENANT}/br_blr01"
    doctors = http.get(f"{base}/doctors").json()
    assert [d["doctor_id"] for d in doctors] == ["doc_blr01_01", "doc_blr01_02"]
    slots = http.get(f"{base}/doctors/doc_blr01_01/slots", params={"date": TOMORROW.isoformat()}).json()
    assert slots[0]["slot_start"] == iso(slot(TOMORROW, "09:00"))
    other_branch = http.get(f"{base}/doctors/doc_mum01_01/slots", params={"date": TOMORROW.isoformat()})
    assert other_branch.status_code == 404
    body = {**_booking("widget", "homepage"), "slot_start": slots[0]["slot_start"]}
    wrong_branch = http.post(
        f"/widget/{TENANT}/br_mum01/bookings", json=body, headers={"Idempotency-Key": new_key()}
    )
    assert wrong_branch.status_code == 422
    booked = http.post(f"{base}/bookings", json=body, headers={"Idempotency-Key": new_key()})
    assert booked.status_code == 201, booked.text
    assert booked.json()["status"] == "pending_payment" and booked.json()["deposit_paise"] == 15_000
    [event] = widget_harness.events("appointment.booked")
    assert (event["data"]["channel"], event["data"]["campaign"]) == ("widget", "homepage")
    audit = widget_harness.get(
        "/v1/audit-events",
        headers=widget_harness.staff_headers(),
        entity_id=booked.json()["booking_id"],
    ).json()
    assert audit[0]["actor"] == "widget"
