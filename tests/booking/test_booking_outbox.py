"""The outbox export: NDJSON files the ingestion reads, each event exactly once, also under concurrency;
the CLI; outbound partner webhooks signed with the t=…,v1=… scheme."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import httpx
from booking_harness import OTHER, START, Harness, StaffKeys, make_config, serve_in_thread, slot
from fastapi import FastAPI, Request, Response

from booking.domain.clock import IST
from booking.infra.db import Database
from booking.infra.outbox import export_events, pending_count

TOMORROW = START.astimezone(IST).date() + timedelta(days=1)


def _lines(folder: Path) -> list[dict]:
    return [
        json.loads(line) for path in sorted(folder.glob("*.ndjson")) for line in path.read_text().splitlines()
    ]


def test_export_writes_each_event_once(harness: Harness, tmp_path: Path) -> None:
    db = Database(harness.db_url)
    try:
        booking = harness.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
        harness.pay(booking["orders"][0]["order_id"], 15_000)
        out = tmp_path / "events"
        first = export_events(db, out)
        assert first.events == 3 and len(first.files) == 1
        assert first.files[0].name.startswith("booking-outbox-tnt_arogya-")
        assert export_events(db, out).events == 0  # exporting twice emits nothing twice
        harness.booked("doc_del01_01", slot(TOMORROW, "10:00"), tenant=OTHER)
        harness.post(f"/v1/bookings/{booking['booking_id']}/cancel", {"reason": "patient_request"})
        assert pending_count(db) == 4 and pending_count(db, OTHER) == 2
        only_other = export_events(db, out, tenant_id=OTHER)
        assert only_other.events == 2 and only_other.by_tenant == {OTHER: 2}
        rest = export_events(db, out, batch_size=1)  # several batches
        assert rest.events == 2 and len(rest.files) == 2
        events = _lines(out)
        assert len(events) == 7 and len({e["id"] for e in events}) == 7
        assert {e["id"] for e in events} == {e["id"] for e in harness.events()}
        assert pending_count(db) == 0
    finally:
        db.dispose()


def test_concurrent_exporters_never_duplicate(harness: Harness, tmp_path: Path) -> None:
    for i in range(12):
        harness.booked(
            "doc_blr01_01", slot(TOMORROW, f"{9 + i // 4:02d}:{(i % 4) * 15:02d}"), phone=f"98000000{i:02d}"
        )
    outs = [tmp_path / f"out{i}" for i in range(4)]
    dbs = [Database(harness.db_url) for _ in outs]
    threads = [
        threading.Thread(target=export_events, args=(db, out), kwargs={"batch_size": 5})
        for db, out in zip(dbs, outs, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for db in dbs:
        db.dispose()
    ids = [e["id"] for out in outs for e in _lines(out)]
    assert len(ids) == 24 and len(set(ids)) == 24


def test_events_load_into_the_warehouse_via_the_ingestion(harness: Harness, tmp_path: Path) -> None:
    """Exported files are what the foundation's ingestion loads, tele.* included."""
    from core.settings import warehouse_settings
    from core.warehouse import open_warehouse
    from ingestion.feeds import LoadContext
    from ingestion.feeds.booking_events import FEED as EVENTS_FEED
    from ingestion.loader import load_file
    from ingestion.tables import create_raw_tables

    booking = harness.booked("doc_blr01_01", slot(TOMORROW, "15:00"), visit_type="tele")
    harness.pay(booking["orders"][0]["order_id"], 40_000)
    db = Database(harness.db_url)
    result = export_events(db, tmp_path / "events")
    db.dispose()
    with open_warehouse(warehouse_settings(f"chdb://{tmp_path / 'wh'}")) as w:
        create_raw_tables(w)
        loaded = load_file(
            w, EVENTS_FEED, result.files[0], LoadContext("tnt_arogya"), source="events/x.ndjson"
        )
    assert loaded.conserved
    assert (loaded.rows_read, loaded.rows_loaded, loaded.rows_quarantined) == (4, 4, 0)


def test_partner_webhooks_are_signed_and_delivered_once(harness: Harness, staff_keys: StaffKeys) -> None:
    """A real partner endpoint on loopback verifies our t=…,v1=… signature; 500s are retried."""
    from booking.domain.clock import SystemClock
    from booking.integrations.signatures import EVENT_ID_HEADER, SIGNATURE_HEADER, verify_timestamped
    from booking.services.partner_delivery import Transport, deliver_partner_webhooks

    secret = "partner-secret-0123456789abcdef0123"
    received: list[str] = []
    calls = {"n": 0}
    partner = FastAPI()

    @partner.post("/hooks")
    async def hook(request: Request) -> Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return Response(status_code=503)  # a transient failure first
        body = await request.body()
        verify_timestamped([secret], request.headers.get(SIGNATURE_HEADER), body, clock=SystemClock())
        received.append(request.headers[EVENT_ID_HEADER])
        assert json.loads(body)["id"] == request.headers[EVENT_ID_HEADER]
        return Response(status_code=204)

    with serve_in_thread(partner) as base_url:
        booking = harness.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
        harness.pay(booking["orders"][0]["order_id"], 15_000)
        hooks = [
            {"name": "crm", "url": f"{base_url}/hooks", "secret": secret,
             "event_types": ["appointment.booked", "payment.deposit.paid"]}
        ]  # fmt: skip
        config = make_config(staff_keys, partner_webhooks=hooks)
        db = Database(harness.db_url)
        try:
            with httpx.Client(timeout=5) as client:
                transport = Transport(client=client, clock=harness.clock, sleep=lambda _: None)
                first = deliver_partner_webhooks(db, config, transport)
                second = deliver_partner_webhooks(db, config, transport)
        finally:
            db.dispose()
        assert first.delivered == 2 and not first.failed and second.delivered == 0
        wanted = [
            e["id"] for e in harness.events() if e["type"] in ("appointment.booked", "payment.deposit.paid")
        ]
        assert received == wanted
