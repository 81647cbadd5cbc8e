"""The `served` fixture: the operator page on uvicorn over a real warehouse and booking database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from operator_harness import (
    NOW,
    OTHER,
    PARTNER,
    Partner,
    Served,
    break_events,
    dead_letter,
    dead_message,
)
from support.loopback_http import serve_http, serve_in_thread
from support.staff_tokens import AUDIENCE, ISSUER, TENANT, StaffKeys

from booking.domain.clock import ManualClock
from booking.infra.db import migrate
from booking.settings import BookingConfig
from core.settings import warehouse_settings
from core.warehouse import open_warehouse
from ingestion.data_dir import load_feed
from ingestion.feeds import feed_named
from operations.app import OperatorSettings, create_app
from sampledata.sample import write_sample


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    data = tmp_path / "data"
    write_sample(data, branches=1, days=3, start=date(2026, 10, 1), bookings_per_branch_day=5, messages=False)
    good = break_events(data)
    warehouse_url = f"chdb://{tmp_path / 'warehouse'}"
    with open_warehouse(warehouse_settings(warehouse_url)) as w:
        for feed in ("reference", "booking_events"):
            load_feed(w, data, feed_named(feed))
    db_url = f"sqlite:///{tmp_path / 'booking.db'}"
    migrate(db_url)
    dead = {tenant: dead_letter(db_url, tenant) for tenant in (TENANT, OTHER)}
    message = dead_message(db_url, TENANT)
    staff, partner = StaffKeys(), Partner()
    with serve_http(partner.handler(), name="partner") as partner_url:
        hook = {"name": PARTNER, "url": partner_url, "secret": "whsec_partner_ledger"}
        config = BookingConfig.model_validate(
            {
                "tenants": [{"tenant_id": t, "partner_webhooks": [hook]} for t in (TENANT, OTHER)],
                "staff_auth": {"jwks": staff.jwks, "issuer": ISSUER, "audience": AUDIENCE},
            }
        )
        settings = OperatorSettings(
            data_dir=data, warehouse=warehouse_settings(warehouse_url), booking=config, db_url=db_url,
            clock=ManualClock(NOW),
        )  # fmt: skip
        with serve_in_thread(create_app(settings)) as url:
            yield Served(url, data, warehouse_url, db_url, staff, good, dead, message, partner)
