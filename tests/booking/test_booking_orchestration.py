"""The Dagster asset exports the outbox into <data_dir>/events/, once."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from booking_harness import OTHER, START, TENANT, Harness, slot

from booking.domain.clock import IST

TOMORROW = START.astimezone(IST).date() + timedelta(days=1)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_booking_outbox_asset_exports_once(harness: Harness, tmp_path: Path) -> None:
    from dagster import materialize

    from orchestration.booking_outbox import BOOKING_OUTBOX_KEY, booking_outbox_asset
    from orchestration.resources import PipelineSettings

    harness.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
    harness.booked("doc_del01_01", slot(TOMORROW, "10:00"), tenant=OTHER)
    data = tmp_path / "data"
    (data / "reference").mkdir(parents=True)
    (data / "reference" / "branches.csv").write_text(
        f"tenant_id,branch_id,branch_name,city,state\n{TENANT},br_blr01,Arogya Indiranagar,Bengaluru,Karnataka\n"
    )
    resources = {"pipeline": PipelineSettings(data_dir=str(data))}
    run_config = {"ops": {"booking__outbox_events": {"config": {"database_url": harness.db_url}}}}

    first = materialize([booking_outbox_asset], resources=resources, run_config=run_config)
    assert first.success
    [materialization] = first.asset_materializations_for_node("booking__outbox_events")
    assert materialization.asset_key == BOOKING_OUTBOX_KEY
    assert materialization.metadata["events"].value == 2
    assert materialization.metadata["tenant"].value == TENANT  # the data directory's tenant only
    lines = [
        json.loads(line) for f in (data / "events").glob("*.ndjson") for line in f.read_text().splitlines()
    ]
    assert [e["type"] for e in lines] == ["appointment.booked", "payment.initiated"]
    assert {e["tenantid"] for e in lines} == {TENANT}

    again = materialize([booking_outbox_asset], resources=resources, run_config=run_config)
    assert again.asset_materializations_for_node("booking__outbox_events")[0].metadata["events"].value == 0
