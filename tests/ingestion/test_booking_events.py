"""Booking-service CloudEvents: valid events load, each kind of bad line is quarantined with its reason."""

from __future__ import annotations

import json
from pathlib import Path

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.booking_events import FEED as EVENTS_FEED
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables

CONTEXT = LoadContext(tenant_id="tnt_test")


def event(event_id: str, event_type: str = "payment.deposit.paid", **data_overrides: object) -> dict:
    data = {
        "payment_id": f"pay_{event_id}", "order_id": f"order_{event_id}", "booking_id": "bk_1",
        "patient_id": "pt_1", "branch_id": "br_1", "amount_paise": 50000, "currency": "INR", "method": "upi",
        "gateway": "razorpay", "captured_at": "2026-10-01T04:30:00Z",
    }  # fmt: skip
    data.update(data_overrides)
    return {
        "specversion": "1.0", "id": event_id, "source": "mymedic/booking/br_1", "type": event_type,
        "time": "2026-10-01T04:30:01Z", "subject": "bk_1", "datacontenttype": "application/json",
        "tenantid": "tnt_test", "branchid": "br_1", "data": data,
    }  # fmt: skip


def test_events_load_and_bad_lines_are_quarantined(warehouse: Warehouse, tmp_path: Path) -> None:
    create_raw_tables(warehouse)
    lines = [
        json.dumps(event("evt_1")),
        json.dumps(event("evt_2", amount_paise="500")),  # amount as text
        json.dumps(event("evt_3", method="cash")),
        json.dumps(event("evt_4", "payment.teleported")),
        json.dumps(event("evt_5"))[:60],  # truncated
        "",
        json.dumps({**event("evt_6"), "tenantid": "tnt_other"}),
        json.dumps({k: v for k, v in event("evt_7").items() if k != "time"}),
        json.dumps(event("evt_1")),  # the same event delivered twice
        json.dumps({**event("evt_8"), "time": "2026-10-01 10:00:00"}),  # no zone
        json.dumps(event("evt_9", "payment.refund.initiated", refund_id="refund_9", amount_paise=1.5)),
        "[1, 2, 3]",
        json.dumps({**event("evt_10"), "id": 10}),
        json.dumps(event("evt_11", captured_at="yesterday")),
    ]
    path = tmp_path / "2026-10-01.ndjson"
    path.write_text("\r\n".join(lines) + "\r\n")
    result = load_file(warehouse, EVENTS_FEED, path, CONTEXT, source=path.name)
    assert result.conserved
    counts = (result.rows_read, result.rows_loaded, result.rows_quarantined, result.rows_skipped)
    assert counts == (13, 1, 11, 1)
    reasons = dict(
        warehouse.rows("select _source_line, reason from raw.quarantine where feed = 'booking_events'")
    )
    assert reasons[2] == (
        "payment.deposit.paid event evt_2: data.amount_paise: expected a whole number of paise greater than 0 "
        "(a JSON integer, not text or a decimal)"
    )
    assert (
        reasons[3]
        == "payment.deposit.paid event evt_3: data.method: expected one of upi, card, wallet, netbanking"
    )
    assert reasons[4].startswith(
        "unknown event type 'payment.teleported'; expected one of appointment.booked"
    )
    assert reasons[5] == "line is not valid JSON (truncated or malformed)"
    assert (
        reasons[7]
        == "event belongs to tenant 'tnt_other', but this data directory belongs to tenant tnt_test"
    )
    assert reasons[8] == "not a valid CloudEvent: time must be RFC 3339 with its zone"
    assert reasons[10] == "not a valid CloudEvent: time must be RFC 3339 with its zone"
    assert (
        reasons[11]
        == "payment.refund.initiated event evt_9: data.refund_id: expected an id matching ^rfnd_\\w+$"
    )
    assert reasons[12] == "line is JSON but not an object; expected a CloudEvent"
    assert reasons[13] == "not a valid CloudEvent: id is missing, empty or not a string"
    assert "data.captured_at: expected an RFC 3339 time with its zone" in reasons[14]
    loaded = warehouse.dicts(
        "select event_id, event_type, event_time, tenant_id, data from raw.booking_events"
    )
    assert len(loaded) == 1 and loaded[0]["event_id"] == "evt_1"
    assert json.loads(loaded[0]["data"])["amount_paise"] == 50000
    assert loaded[0]["event_time"].isoformat().startswith("2026-10-01T04:30:01")
    assert loaded[0]["event_type"] == "payment.deposit.paid" and loaded[0]["tenant_id"] == "tnt_test"


def test_tele_events_load_and_bad_ones_say_which_field(warehouse: Warehouse, tmp_path: Path) -> None:
    create_raw_tables(warehouse)
    room = {"booking_id": "bk_t", "room_id": "room_1", "branch_id": "br_1", "patient_id": "pt_1",
            "doctor_id": "dr_1", "provider": "jitsi", "slot_start": "2026-10-02T05:00:00Z",
            "link_valid_from": "2026-10-02T04:50:00Z", "link_expires_at": "2026-10-02T06:00:00Z"}  # fmt: skip
    done = {"booking_id": "bk_t", "room_id": "room_1", "branch_id": "br_1", "started_at": "2026-10-02T05:01:00Z",
            "ended_at": "2026-10-02T05:20:00Z", "duration_seconds": 1140}  # fmt: skip
    lines = [
        {**event("tele_1", "tele.room.created"), "data": room},
        {**event("tele_2", "tele.session.completed"), "data": done},
        {**event("tele_3", "tele.session.completed"), "data": {**done, "duration_seconds": -5}},
    ]
    path = tmp_path / "tele.ndjson"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    result = load_file(warehouse, EVENTS_FEED, path, CONTEXT, source=path.name)
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (2, 1)
    reason = warehouse.scalar("select reason from raw.quarantine where _source_file = 'tele.ndjson'")
    assert (
        reason
        == "tele.session.completed event tele_3: data.duration_seconds: expected a whole number >= 0 (a JSON integer)"
    )
