"""The staging model's accepted event types are the booking service's declared ones (but the worker's `ops.*`
metrics and the providers' `message.status.*`, which it routes elsewhere): a type added to `booking.domain.events` must be added there too."""

from __future__ import annotations

from pathlib import Path

import yaml

from booking.domain.events import EVENT_TYPES, OPS_PREFIX
from booking.domain.message_status import STATUS_EVENT_PREFIX

STAGING = Path(__file__).resolve().parents[2] / "dbt_project/models/staging/booking/stg_booking__events.yml"


def test_staging_accepts_exactly_the_declared_booking_event_types() -> None:
    model = yaml.safe_load(STAGING.read_text(encoding="utf-8"))["models"][0]
    column = next(c for c in model["columns"] if c["name"] == "event_type")
    accepted = next(t["accepted_values"] for t in column["data_tests"] if isinstance(t, dict))
    declared = {t for t in EVENT_TYPES if not t.startswith((OPS_PREFIX, STATUS_EVENT_PREFIX))}
    assert sorted(accepted["arguments"]["values"]) == sorted(declared)
