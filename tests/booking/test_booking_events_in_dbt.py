"""The new event types end to end: `appointment.expired` and the worker's `ops.webhook.delivery.*` metrics
are exported from the outbox, loaded by the real ingestion (nothing quarantined), and built by real dbt on
chDB: expired bookings stay booking facts, delivery metrics are routed to their own staging model."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from booking_harness import START, Harness, StaffKeys, make_config, slot
from partner_server import partner_server, refused_url

from booking.domain.clock import IST
from booking.infra.db import Database
from booking.infra.outbox import export_events
from booking.services.expiry import expire_unpaid
from booking.services.partner_delivery import Transport, deliver_partner_webhooks
from booking.settings import BookingConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt_project"))  # the dbt tests' runner
from dbt_runner import dbt_failure, run_dbt

pytestmark = pytest.mark.slow

TOMORROW = START.astimezone(IST).date() + timedelta(days=1)
MODELS = ("stg_booking__events", "stg_booking__appointments", "stg_booking__webhook_deliveries")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_expired_and_delivery_metrics_load_and_build_in_dbt(
    harness: Harness, staff_keys: StaffKeys, tmp_path: Path
) -> None:
    from core.settings import warehouse_settings
    from core.warehouse import open_warehouse
    from ingestion.feeds import LoadContext
    from ingestion.feeds.booking_events import FEED as EVENTS_FEED
    from ingestion.loader import load_file
    from ingestion.tables import create_raw_tables

    expired = harness.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
    harness.clock.advance(minutes=16)
    db = Database(harness.db_url)
    try:
        with partner_server() as partner:
            partner.script = {"/crm": [200]}
            hooks = [
                {"name": "crm", "url": f"{partner.base_url}/crm", "secret": "s" * 32},
                {
                    "name": "gone",
                    "url": refused_url(),
                    "secret": "s" * 32,
                    "event_types": ["appointment.booked"],
                },
            ]
            config = make_config(staff_keys, partner_webhooks=hooks).model_copy(
                update={
                    "partner_delivery": BookingConfig.model_validate(
                        {"partner_delivery": {"max_attempts": 1}}
                    ).partner_delivery
                }
            )
            assert expire_unpaid(db, config, harness.clock.now()) == 1
            with httpx.Client(timeout=5) as client:
                report = deliver_partner_webhooks(
                    db, config, Transport(client, harness.clock, lambda _: None)
                )
            assert (report.delivered, report.dead_lettered) == (3, 1)
        result = export_events(db, tmp_path / "events")
    finally:
        db.dispose()
    assert result.by_type["appointment.expired"] == 1
    assert result.by_type["ops.webhook.delivery.succeeded"] == 3
    assert result.by_type["ops.webhook.delivery.dead_lettered"] == 1

    settings = warehouse_settings(f"chdb://{tmp_path / 'wh'}")
    with open_warehouse(settings) as w:
        create_raw_tables(w)
        [path] = result.files
        loaded = load_file(w, EVENTS_FEED, path, LoadContext("tnt_arogya"), source="events/x.ndjson")
    assert loaded.conserved and (loaded.rows_read, loaded.rows_quarantined) == (result.events, 0)

    built = run_dbt(settings, tmp_path, "build", "--select", *MODELS)
    assert built.returncode == 0, dbt_failure(built)
    with open_warehouse(settings) as w:
        staging = w.db("staging")
        types = dict(
            w.rows(f"select event_type, count() from {staging}.stg_booking__events group by event_type")
        )
        deliveries = sorted(
            w.rows(
                f"select endpoint, delivery_outcome, delivered_event_type, attempts, status_code, error "
                f"from {staging}.stg_booking__webhook_deliveries"
            )
        )
    assert types == {"appointment.booked": 1, "payment.initiated": 1, "appointment.expired": 1}
    assert deliveries == [
        ("crm", "succeeded", "appointment.booked", 1, 200, None),
        ("crm", "succeeded", "appointment.expired", 1, 200, None),
        ("crm", "succeeded", "payment.initiated", 1, 200, None),
        ("gone", "dead_lettered", "appointment.booked", 1, None, "ConnectError"),
    ]
    assert expired["booking_id"]
