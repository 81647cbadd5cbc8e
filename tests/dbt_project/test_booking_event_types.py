"""The staging model's accepted event types are the booking service's declared ones (but the worker's `ops.*`
metrics and patient messages' `message.*` events, which it routes elsewhere): a type added to
`booking.domain.events` must be added there too."""

from __future__ import annotations

from pathlib import Path

import yaml

from booking.domain.events import EVENT_TYPES, MESSAGE_EVENT_TYPES, MESSAGE_PREFIX, OPS_PREFIX

STAGING = Path(__file__).resolve().parents[2] / "dbt_project/models/staging/booking/stg_booking__events.yml"
MESSAGES = STAGING.with_name("stg_booking__messages.yml")


def _accepted(path: Path, column_name: str) -> list[str]:
    model = yaml.safe_load(path.read_text(encoding="utf-8"))["models"][0]
    column = next(c for c in model["columns"] if c["name"] == column_name)
    accepted = next(t["accepted_values"] for t in column["data_tests"] if isinstance(t, dict))
    return sorted(accepted["arguments"]["values"])


def test_staging_accepts_exactly_the_declared_booking_event_types() -> None:
    declared = {t for t in EVENT_TYPES if not t.startswith((OPS_PREFIX, MESSAGE_PREFIX))}
    assert _accepted(STAGING, "event_type") == sorted(declared)


def test_message_staging_accepts_exactly_the_declared_lifecycle_steps() -> None:
    lifecycle = {t.removeprefix(MESSAGE_PREFIX) for t in MESSAGE_EVENT_TYPES if t != "message.opted_out"}
    assert _accepted(MESSAGES, "lifecycle_step") == sorted(lifecycle)
