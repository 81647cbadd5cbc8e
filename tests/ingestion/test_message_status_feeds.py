"""The message-status feeds (messages/meta, messages/msg91, messages/sendgrid): good records load typed with
their recipients masked, each kind of bad record is quarantined with its reason, conservation holds, and
loading again adds nothing."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from booking.domain.recipients import mask_email, mask_emails_in, mask_phone
from core.warehouse import Warehouse
from ingestion import message_sql
from ingestion.feeds import LoadContext
from ingestion.feeds.email_events import FEED as EMAIL_FEED
from ingestion.feeds.sms_delivery_reports import FEED as SMS_FEED
from ingestion.feeds.whatsapp_statuses import FEED as WHATSAPP_FEED
from ingestion.loader import ALREADY_LOADED, load_file
from ingestion.tables import create_raw_tables

CONTEXT = LoadContext(tenant_id="tnt_test")


def status(wamid: str, state: str = "delivered", ts: object = "1759300000", **extra: object) -> dict:
    return {"id": wamid, "status": state, "timestamp": ts, "recipient_id": "919876543210", **extra}


def payload(*statuses: dict, field: str = "messages", obj: str = "whatsapp_business_account") -> dict:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"phone_number_id": "pn1"},
        "statuses": list(statuses),
    }
    return {"object": obj, "entry": [{"id": "waba1", "changes": [{"value": value, "field": field}]}]}


def quarantine(warehouse: Warehouse, feed: str) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for line, reason in warehouse.rows(
        "select _source_line, reason from raw.quarantine where feed = {f:String} order by reason", {"f": feed}
    ):
        out.setdefault(line, []).append(reason)
    return out


def test_whatsapp_ndjson_loads_each_status_and_quarantines_what_it_cannot(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    create_raw_tables(warehouse)
    inbound = payload()
    inbound["entry"][0]["changes"][0]["value"] = {
        "messages": [{"from": "919876543210", "text": {"body": "STOP"}}]
    }
    priced = status(
        "wamid.A", "sent", pricing={"billable": True, "pricing_model": "PMP", "category": "utility"},
        conversation={"id": "c1", "origin": {"type": "utility"}, "expiration_timestamp": 1759386400},
    )  # fmt: skip
    failed = status("wamid.C", "failed", errors=[{"code": 131026, "title": "Message undeliverable"}])
    lines = [
        json.dumps(payload(priced, status("wamid.B", "read", 1759300100))),  # two statuses, one line
        json.dumps(inbound),  # an inbound message, no status
        json.dumps(payload(failed))[:50],  # truncated
        json.dumps(payload(status("wamid.D"), obj="page")),
        json.dumps(payload(status("wamid.E", "deleted"), status("wamid.F", ts="soon"))),
        json.dumps(payload(priced)),  # Meta retried the first webhook
        json.dumps(payload(failed)),
        json.dumps(payload(status("wamid.G", pricing={"billable": "yes"}))),
    ]
    path = tmp_path / "statuses.ndjson"
    path.write_text("\n".join(lines) + "\n")
    result = load_file(warehouse, WHATSAPP_FEED, path, CONTEXT, source="meta/statuses.ndjson")
    assert result.conserved
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined, result.rows_skipped) == (
        10,
        3,
        6,
        1,
    )
    rows = {
        r[0]: r[1:]
        for r in warehouse.rows(
            "select provider_message_id, status, status_time, recipient_masked, error_code, error_title, "
            "pricing_category, pricing_billable, conversation_expires_at, waba_id, phone_number_id "
            "from raw.whatsapp_message_statuses where _source_file = 'meta/statuses.ndjson'"
        )
    }
    assert rows["wamid.A"] == (
        "sent", datetime(2025, 10, 1, 6, 26, 40), "+91******3210", None, None, "utility", 1,
        datetime(2025, 10, 2, 6, 26, 40), "waba1", "pn1",
    )  # fmt: skip
    assert rows["wamid.B"][:2] == ("read", datetime(2025, 10, 1, 6, 28, 20))
    assert rows["wamid.C"][3:5] == ("131026", "Message undeliverable")
    reasons = quarantine(warehouse, "whatsapp_statuses")
    assert reasons[2] == [
        "change (field messages) has no value.statuses but 1 inbound message(s): this feed loads message "
        "statuses only (inbound messages reach the booking service webhook)"
    ]
    assert reasons[3] == ["not valid JSON (truncated or malformed)"]
    assert reasons[4] == [
        "not a WhatsApp Business webhook: object is 'page'; expected whatsapp_business_account"
    ]
    assert reasons[5] == [
        "column 'statuses[].timestamp' has 'soon', not a time in epoch seconds",
        "status 'deleted' is not a delivery status; expected one of sent, delivered, read, played, failed",
    ]
    assert reasons[8] == ["pricing.billable is not true or false"]
    raw = warehouse.scalar(
        "select raw_line from raw.quarantine where feed = 'whatsapp_statuses' and _source_line = 5 limit 1"
    )
    assert "wamid." in raw  # the status object as received: what a person needs to act on it
    again = load_file(warehouse, WHATSAPP_FEED, path, CONTEXT, source="meta/statuses.ndjson")
    assert again.status == ALREADY_LOADED
    copy = tmp_path / "copy.ndjson"
    copy.write_text(lines[0] + "\n")
    assert load_file(warehouse, WHATSAPP_FEED, copy, CONTEXT, source="meta/copy.ndjson").rows_skipped == 2


def test_msg91_report_csv(warehouse: Warehouse, tmp_path: Path) -> None:
    create_raw_tables(warehouse)
    path = tmp_path / "dlr.csv"
    path.write_text(
        "requestId,number,status,desc,date,senderId,failedReason\n"
        "346a130,919876543210,1,DELIVERED,2026-10-01 10:06:20,MYMDIC,\n"
        "346a131,+919876541111,2,FAILED,01/10/2026 10:07:20,MYMDIC,Absent subscriber\n"
        "346a132,919876543212,8,SUBMITTED,2026-10-01 10:07:20,MYMDIC,\n"
        ",919876543213,1,DELIVERED,2026-10-01 10:07:20,MYMDIC,\n"
        "346a130,919876543210,1,DELIVERED,2026-10-01 10:06:20,MYMDIC,\n"
        "346a134,919876543214,1,DELIVERED,yesterday,MYMDIC,\n"
        "346a135,919876543215,1\n"
    )
    result = load_file(warehouse, SMS_FEED, path, CONTEXT, source="msg91/dlr.csv")
    assert result.conserved
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined, result.rows_skipped) == (
        7,
        2,
        4,
        1,
    )
    rows = warehouse.rows(
        "select provider_message_id, status, provider_status, status_time, recipient_masked, error_code, "
        "error_title from raw.sms_delivery_reports order by provider_message_id"
    )
    assert rows == [
        ("346a130", "delivered", "DELIVERED", datetime(2026, 10, 1, 4, 36, 20), "+91******3210", None, None),
        ("346a131", "failed", "FAILED", datetime(2026, 10, 1, 4, 37, 20), "+91******1111", "2", "Absent subscriber"),
    ]  # fmt: skip
    reasons = quarantine(warehouse, "sms_delivery_reports")
    assert reasons[4][0].startswith("column 'status' has '8'; expected an MSG91 status code: 1 (delivered)")
    assert reasons[5] == ["column 'requestId' is empty but required"]
    assert reasons[7][0].startswith("column 'date' has 'yesterday', not an IST time")
    assert reasons[8][0].startswith("row has 3 fields but the header has 7")
    bad = tmp_path / "no_number.csv"
    bad.write_text("requestId,status,desc,date\n1,1,DELIVERED,2026-10-01 10:00:00\n")
    rejected = load_file(warehouse, SMS_FEED, bad, CONTEXT, source="msg91/no_number.csv")
    assert rejected.status == "rejected" and "header lacks column(s) number" in rejected.note


def test_sendgrid_event_csv(warehouse: Warehouse, tmp_path: Path) -> None:
    create_raw_tables(warehouse)
    sg = "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0"
    path = tmp_path / "events.csv"
    path.write_text(
        "sg_event_id,sg_message_id,smtp-id,event,email,timestamp,reason,status,type\n"
        f"e1,{sg},<msg_1@mymedic.example>,processed,Asha.K@Example.com,1759300000,,,\n"
        f'e2,{sg},<msg_1@mymedic.example>,bounce,asha.k@example.com,1759300060,"550 5.1.1 asha.k@example.com unknown",5.1.1,bounce\n'
        f"e3,{sg},,open,asha.k@example.com,1759300100,,,\n"
        f"e4,{sg},,deferred,asha.k@example.com,1759300100,,,\n"
        f"e5,{sg},,delivered,asha.k@example.com,17593001OO,,,\n"
        f"e1,{sg},<msg_1@mymedic.example>,processed,Asha.K@Example.com,1759300000,,,\n"
    )
    result = load_file(warehouse, EMAIL_FEED, path, CONTEXT, source="sendgrid/events.csv")
    assert result.conserved
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined, result.rows_skipped) == (
        6,
        3,
        2,
        1,
    )
    rows = warehouse.rows(
        "select event_id, provider_message_id, status, provider_status, recipient_masked, error_code, error_title "
        "from raw.email_events order by event_id"
    )
    assert rows == [
        ("e1", "msg_1@mymedic.example", "sent", "processed", "A***@example.com", None, None),
        ("e2", "msg_1@mymedic.example", "failed", "bounce", "a***@example.com", "5.1.1", "550 5.1.1 a***@example.com unknown"),
        ("e3", sg, "read", "open", "a***@example.com", None, None),
    ]  # fmt: skip
    reasons = quarantine(warehouse, "email_events")
    assert reasons[5] == [
        "column 'event' has 'deferred'; not a delivery status of a message (expected one of processed, "
        "delivered, open, click, bounce, dropped)"
    ]
    assert reasons[6] == ["column 'timestamp' has '17593001OO', not a time in epoch seconds"]


@pytest.mark.parametrize(
    "value",
    ["919876543210", "9876543210", "+919876543210", "972987654321", "14155550123", "+4915112345678", "fowefinoewcnw",
     "US.13491208655302741918"],
)  # fmt: skip
def test_the_warehouse_masks_a_number_as_the_booking_service_does(warehouse: Warehouse, value: str) -> None:
    got = warehouse.scalar(f"select {message_sql.mask_phone('{v:String}')}", {"v": value})
    assert got == mask_phone(value)
    assert value not in got and got.endswith(value[-4:])


def test_the_warehouse_masks_emails_as_the_booking_service_does(warehouse: Warehouse) -> None:
    for value in ("Asha.K@Example.com", "x@y.in", "no-at-sign"):
        assert warehouse.scalar(f"select {message_sql.mask_email('{v:String}')}", {"v": value}) == mask_email(
            value
        )
    text = "550 5.1.1 <asha.k@example.com>: mailbox for a.b@c.co.in full"
    got = warehouse.scalar(f"select {message_sql.mask_emails_in('{v:String}')}", {"v": text})
    assert got == mask_emails_in(text) == "550 5.1.1 <a***@example.com>: mailbox for a***@c.co.in full"
    assert (
        mask_phone("919876543210") == "+91******3210" and mask_email("asha@example.com") == "a***@example.com"
    )
