"""Delivery-status webhooks over real HTTP shapes: Meta's WhatsApp webhook (hub.challenge handshake,
X-Hub-Signature-256), MSG91's DLR callback (v2 form, v3 JSON) and SendGrid's signed Event Webhook (ECDSA).
Unsigned or forged requests are refused; a replayed body or status is stored once; each status reaches the
outbox as a `message.status.*` CloudEvent with the recipient masked, and loads through the events feed."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from sqlalchemy import select

from booking.api.app import create_app
from booking.domain.clock import ManualClock
from booking.infra.db import Database
from booking.infra.models import AuditEvent, MessageOptOut, OutboxEvent, Patient
from booking.infra.outbox import export_events
from booking.integrations import signatures
from booking.settings import ConfigError, load_config
from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.booking_events import FEED as EVENTS_FEED
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables
from tests.booking.booking_harness import TENANT, StaffKeys, make_config

APP_SECRET = "meta-app-secret-arogya"
VERIFY_TOKEN = "verify-arogya-0123"
MSG91_TOKEN = "msg91-url-token-arogya-0123456789"
SG_KEY = ec.generate_private_key(ec.SECP256R1())
SG_PUBLIC = base64.b64encode(
    SG_KEY.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
).decode()
PHONE = "919812345678"


@pytest.fixture
def client(db_url: str, clock: ManualClock, staff_keys: StaffKeys) -> Iterator[TestClient]:
    messaging = {
        "branch_id": "br_blr01",
        "meta": {"app_secrets": [APP_SECRET], "verify_token": VERIFY_TOKEN},
        "msg91": {"tokens": [MSG91_TOKEN]},
        "sendgrid": {"public_keys": [SG_PUBLIC]},
    }
    app = create_app(make_config(staff_keys, message_webhooks=messaging), db_url=db_url, clock=clock)
    with TestClient(app) as c:
        yield c


def outbox(db_url: str) -> list[dict[str, Any]]:
    db = Database(db_url)
    try:
        with db.read() as s:
            return [json.loads(b) for b in s.scalars(select(OutboxEvent.body).order_by(OutboxEvent.seq))]
    finally:
        db.dispose()


def meta_payload(*statuses: dict[str, Any], messages: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "pn1"}}
    value |= {"statuses": list(statuses)} if statuses else {}
    value |= {"messages": messages} if messages else {}
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "waba1", "changes": [{"value": value, "field": "messages"}]}],
    }


def meta_status(wamid: str, status: str, ts: str = "1790830000", **extra: Any) -> dict[str, Any]:
    return {"id": wamid, "status": status, "timestamp": ts, "recipient_id": PHONE, **extra}


def post_meta(client: TestClient, body: bytes, secret: str | None = APP_SECRET) -> Any:
    headers = {"Content-Type": "application/json"}
    if secret:
        headers[signatures.META_SIGNATURE_HEADER] = signatures.meta_signature(secret, body)
    return client.post("/v1/webhooks/whatsapp", content=body, headers=headers)


def test_meta_verification_handshake(client: TestClient) -> None:
    ok = client.get(
        "/v1/webhooks/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    assert (ok.status_code, ok.text) == (200, "1158201444")
    wrong = client.get(
        "/v1/webhooks/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
    )
    assert wrong.status_code == 403 and wrong.text != "1"
    assert (
        client.get(
            "/v1/webhooks/whatsapp", params={"hub.mode": "unsubscribe", "hub.challenge": "1"}
        ).status_code
        == 400
    )


def test_meta_statuses_are_signed_stored_once_and_masked(client: TestClient, db_url: str) -> None:
    failed = meta_status("wamid.F1", "failed", errors=[{"code": 131026, "title": "Message undeliverable"}])
    sent = meta_status(
        "wamid.S1", "sent", pricing={"billable": True, "pricing_model": "PMP", "category": "utility"},
        conversation={"id": "conv1", "origin": {"type": "utility"}, "expiration_timestamp": "1790916400"},
    )  # fmt: skip
    body = json.dumps(meta_payload(sent, failed, meta_status("wamid.S1", "deleted"))).encode()
    assert post_meta(client, body, secret=None).status_code == 401  # unsigned
    assert post_meta(client, body, secret="not-the-app-secret").status_code == 401  # forged
    signed = signatures.meta_signature(APP_SECRET, body)
    tampered = body.replace(b"wamid.F1", b"wamid.F2")
    headers = {signatures.META_SIGNATURE_HEADER: signed, "Content-Type": "application/json"}
    assert client.post("/v1/webhooks/whatsapp", content=tampered, headers=headers).status_code == 401
    assert outbox(db_url) == []
    first = post_meta(client, body)
    assert first.status_code == 200, first.text
    assert first.json() == {"status": "processed", "stored": 2, "duplicates": 0, "ignored": 1, "opt_outs": 0}
    replay = post_meta(client, body)
    assert replay.json() == {"status": "processed", "stored": 0, "duplicates": 2, "ignored": 1, "opt_outs": 0}
    # the same status in another body (Meta batches differently on retry) is stored once too
    again = post_meta(
        client, json.dumps(meta_payload(failed, meta_status("wamid.S1", "read", "1790830100"))).encode()
    )
    assert again.json()["stored"] == 1 and again.json()["duplicates"] == 1
    events = outbox(db_url)
    assert [e["type"] for e in events] == [
        "message.status.sent",
        "message.status.failed",
        "message.status.read",
    ]
    assert events[0]["subject"] == "wamid.S1" and events[0]["branchid"] == "br_blr01"
    assert events[0]["data"] == {
        "provider": "meta", "provider_message_id": "wamid.S1", "status": "sent", "provider_status": "sent",
        "status_time": "2026-10-01T04:46:40.000Z", "recipient_masked": "+91******5678", "error_code": None,
        "error_title": None, "pricing_category": "utility", "pricing_billable": True, "conversation_id": "conv1",
        "conversation_origin": "utility", "conversation_expires_at": "2026-10-02T04:46:40.000Z",
    }  # fmt: skip
    assert events[1]["data"]["error_code"] == "131026"
    assert all(PHONE not in json.dumps(e) for e in events)
    bad = post_meta(
        client, json.dumps({"object": "whatsapp_business_account", "entry": [{"changes": []}]}).encode()
    )
    assert bad.status_code == 400 and "entry.0.id" in bad.json()["detail"]


def test_an_inbound_stop_reaches_the_opt_out_seam_once(client: TestClient, db_url: str) -> None:
    stop = {
        "from": PHONE,
        "id": "wamid.IN1",
        "timestamp": "1790830000",
        "type": "text",
        "text": {"body": " stop "},
    }
    hello = {
        "from": PHONE,
        "id": "wamid.IN2",
        "timestamp": "1790830000",
        "type": "text",
        "text": {"body": "hello"},
    }
    body = json.dumps(meta_payload(messages=[stop, hello])).encode()
    assert post_meta(client, body).json()["opt_outs"] == 1
    post_meta(client, body)
    db = Database(db_url)
    try:
        with db.read() as s:
            rows = s.scalars(select(AuditEvent).where(AuditEvent.action == "message.opt_out.received")).all()
            assert len(rows) == 1 and PHONE not in (rows[0].after or "")
            assert json.loads(rows[0].after or "{}")["keyword"] == "STOP"
    finally:
        db.dispose()


def test_a_patients_stop_opts_them_out_of_whatsapp_once(
    client: TestClient, db_url: str, clock: ManualClock
) -> None:
    """A STOP from a number a patient of the tenant has (stored with its `+`; Meta writes it without) opts
    that patient out of WhatsApp: one opt-out row and one `message.opted_out` event, however often the
    keyword arrives; no audit row for review."""
    db = Database(db_url)
    try:
        with db.write() as s:
            s.add(Patient(patient_id="pat_stop1", tenant_id=TENANT, name="Asha Rao", phone="+" + PHONE,
                          created_at=clock.now()))  # fmt: skip
        for n in (1, 2):
            stop = {"from": PHONE, "id": f"wamid.STOP{n}", "timestamp": "1790830000", "type": "text",
                    "text": {"body": "STOP"}}  # fmt: skip
            assert post_meta(client, json.dumps(meta_payload(messages=[stop])).encode()).status_code == 200
        with db.read() as s:
            rows = s.scalars(select(MessageOptOut)).all()
            assert [(r.patient_id, r.channel, r.keyword) for r in rows] == [("pat_stop1", "whatsapp", "STOP")]
            review = s.scalars(
                select(AuditEvent).where(AuditEvent.action == "message.opt_out.received")
            ).all()
            assert review == []
    finally:
        db.dispose()
    opted = [e for e in outbox(db_url) if e["type"] == "message.opted_out"]
    assert len(opted) == 1 and opted[0]["data"]["patient_id"] == "pat_stop1"
    assert opted[0]["data"]["channel"] == "whatsapp" and opted[0]["branchid"] == "br_blr01"


def test_msg91_delivery_reports(client: TestClient, db_url: str) -> None:
    v2 = [{"senderId": "MYMDIC", "requestId": "346a130", "userId": "27", "campaignName": "API", "report": [
        {"date": "2026-10-01 10:06:20", "number": PHONE, "status": "1", "desc": "DELIVERED", "failedReason": ""},
        {"date": "2026-10-01 10:06:25", "number": "919812340000", "status": "17", "desc": "BLOCKED", "failedReason": "Blocked number"},
    ]}]  # fmt: skip
    form = urlencode({"data": json.dumps(v2)})
    url = f"/v1/webhooks/msg91?token={MSG91_TOKEN}"
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert client.post("/v1/webhooks/msg91", content=form, headers=form_headers).status_code == 401
    assert (
        client.post(
            "/v1/webhooks/msg91?token=guess-guess-guess-guess-00", content=form, headers=form_headers
        ).status_code
        == 401
    )
    assert client.post(url, content=form, headers=form_headers).json()["stored"] == 2
    assert client.post(url, content=form, headers=form_headers).json()["duplicates"] == 2
    v3 = {
        "date": "2026-10-01 10:09:00",
        "number": "919812341111",
        "senderId": "MYMDIC",
        "requestId": "346a131",
        "status": "1",
        "desc": "DELIVERED",
    }
    assert client.post(url, json=v3).json()["stored"] == 1
    assert (
        client.post(
            url, json={"requestId": "x", "number": PHONE, "date": "yesterday", "status": "1"}
        ).status_code
        == 400
    )
    data = [e["data"] for e in outbox(db_url)]
    assert [(d["provider_message_id"], d["status"], d["provider_status"], d["status_time"], d["recipient_masked"], d["error_code"]) for d in data] == [
        ("346a130", "delivered", "DELIVERED", "2026-10-01T04:36:20.000Z", "+91******5678", None),
        ("346a130", "failed", "BLOCKED", "2026-10-01T04:36:25.000Z", "+91******0000", "17"),
        ("346a131", "delivered", "DELIVERED", "2026-10-01T04:39:00.000Z", "+91******1111", None),
    ]  # fmt: skip


def sendgrid_headers(body: bytes, timestamp: str, key: ec.EllipticCurvePrivateKey = SG_KEY) -> dict[str, str]:
    signature = base64.b64encode(key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))).decode()
    return {
        "Content-Type": "application/json",
        signatures.SENDGRID_SIGNATURE_HEADER: signature,
        signatures.SENDGRID_TIMESTAMP_HEADER: timestamp,
    }


def test_sendgrid_signed_event_webhook(client: TestClient, db_url: str, clock: ManualClock) -> None:
    now = str(int(clock.now().timestamp()))
    sg = "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0"
    events = [
        {"email": "asha.rao@example.com", "timestamp": 1790830000, "smtp-id": "<msg_1@mymedic.example>", "event": "processed", "sg_event_id": "ev1", "sg_message_id": sg},
        {"email": "asha.rao@example.com", "timestamp": 1790830060, "smtp-id": "<msg_1@mymedic.example>", "event": "bounce", "sg_event_id": "ev2", "sg_message_id": sg,
         "reason": "550 5.1.1 asha.rao@example.com: no such user", "status": "5.1.1", "type": "bounce"},
        {"email": "asha.rao@example.com", "timestamp": 1790830070, "event": "deferred", "sg_event_id": "ev3", "sg_message_id": sg},
    ]  # fmt: skip
    body = json.dumps(events).encode()
    path = "/v1/webhooks/sendgrid"
    assert client.post(path, content=body, headers={"Content-Type": "application/json"}).status_code == 401
    other = ec.generate_private_key(ec.SECP256R1())
    assert client.post(path, content=body, headers=sendgrid_headers(body, now, other)).status_code == 401
    stale = str(int(now) - 3600)
    assert client.post(path, content=body, headers=sendgrid_headers(body, stale)).status_code == 401
    tampered = sendgrid_headers(body, now)
    assert (
        client.post(path, content=body.replace(b"bounce", b"delivered"), headers=tampered).status_code == 401
    )
    ok = client.post(path, content=body, headers=sendgrid_headers(body, now))
    assert ok.json() == {"status": "processed", "stored": 2, "duplicates": 0, "ignored": 1, "opt_outs": 0}
    assert client.post(path, content=body, headers=sendgrid_headers(body, now)).json()["duplicates"] == 2
    data = [e["data"] for e in outbox(db_url)]
    assert [(d["provider_message_id"], d["status"], d["recipient_masked"], d["error_code"], d["error_title"]) for d in data] == [
        ("msg_1@mymedic.example", "sent", "a***@example.com", None, None),
        ("msg_1@mymedic.example", "failed", "a***@example.com", "5.1.1", "550 5.1.1 a***@example.com: no such user"),
    ]  # fmt: skip


def test_status_events_load_through_the_events_feed(
    client: TestClient, db_url: str, warehouse: Warehouse, tmp_path: Path
) -> None:
    post_meta(
        client,
        json.dumps(
            meta_payload(meta_status("wamid.L1", "delivered"), meta_status("wamid.L1", "played"))
        ).encode(),
    )
    db = Database(db_url)
    try:
        exported = export_events(db, tmp_path / "events")
    finally:
        db.dispose()
    create_raw_tables(warehouse)
    [path] = exported.files
    result = load_file(
        warehouse, EVENTS_FEED, path, LoadContext(TENANT), source=f"{tmp_path.name}/{path.name}"
    )
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 2, 0)
    got = warehouse.rows(
        "select event_type, JSONExtractString(data, 'provider_status') from raw.booking_events "
        "where _source_file = {f:String} order by event_type",
        {"f": f"{tmp_path.name}/{path.name}"},
    )
    assert got == [("message.status.delivered", "delivered"), ("message.status.read", "played")]


def test_a_messaging_secret_names_one_tenant(staff_keys: StaffKeys) -> None:
    raw = make_config(staff_keys).model_dump(mode="json")
    for tenant in raw["tenants"]:  # SecretStr dumps masked: give the secrets again
        tenant["razorpay"]["secrets"] = [f"{tenant['tenant_id']}-razorpay"]
        tenant["tele"]["app_secret"] = "jitsi-app-secret-arogya-0123456789abcdef"
        tenant["tele"]["webhook"]["secrets"] = [f"{tenant['tenant_id']}-tele"]
        tenant["message_webhooks"] = {
            "branch_id": "br_x",
            "meta": {"app_secrets": [APP_SECRET], "verify_token": tenant["tenant_id"]},
        }
    with pytest.raises(ConfigError, match="have the same meta webhook secret"):
        load_config(json.dumps(raw))


def test_a_messaging_webhook_from_outside_the_allowlist_is_refused(
    db_url: str, clock: ManualClock, staff_keys: StaffKeys
) -> None:
    messaging = {
        "branch_id": "br_blr01",
        "meta": {"app_secrets": [APP_SECRET], "verify_token": VERIFY_TOKEN, "ip_allowlist": ["10.9.0.0/16"]},
    }
    app = create_app(make_config(staff_keys, message_webhooks=messaging), db_url=db_url, clock=clock)
    body = json.dumps(meta_payload(meta_status("wamid.X", "sent"))).encode()
    with (
        TestClient(app, client=("10.9.1.2", 5000)) as inside,
        TestClient(app, client=("203.0.113.7", 5000)) as outside,
    ):
        assert post_meta(outside, body).status_code == 403
        assert post_meta(inside, body).status_code == 200
