"""The messaging vocabulary's rules: masking, SMS segments, quiet hours, templates files and their one-line
errors, provider secrets from the environment."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from booking.domain.clock import IST
from booking.domain.messaging import (
    PURPOSES,
    load_templates,
    mask_email,
    mask_phone,
    planned_for,
    quiet_until,
    sms_segments,
)
from booking.settings import ConfigError, QuietHours, load_config
from mymedic.cli import app


def test_masks_keep_the_country_code_and_last_four_digits() -> None:
    assert mask_phone("+919812343210") == "+91******3210"
    assert mask_phone("9812343210") == "******3210"
    assert mask_email("asha.rao@example.com") == "a***@example.com"


@pytest.mark.parametrize(
    ("text", "parts"),
    [("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3), ("[" * 80, 1), ("[" * 81, 2),
     ("न" * 70, 1), ("न" * 71, 2), ("த" * 134, 2), ("த" * 135, 3)],
)  # fmt: skip
def test_sms_segments_gsm7_and_ucs2(text: str, parts: int) -> None:
    assert sms_segments(text) == parts


def _ist(hhmm: str, day: int = 1) -> datetime:
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return datetime(2026, 10, day, hours, minutes, tzinfo=IST)


def test_quiet_hours_wrap_midnight_in_ist() -> None:
    quiet = QuietHours()  # 21:00-08:00 IST
    assert quiet_until(quiet, _ist("20:59")) is None
    assert quiet_until(quiet, _ist("21:00")) == _ist("08:00", day=2)
    assert quiet_until(quiet, _ist("02:00")) == _ist("08:00")
    assert quiet_until(quiet, _ist("08:00")) is None
    assert quiet_until(None, _ist("23:00")) is None
    assert quiet_until(QuietHours(start="13:00", end="14:00"), _ist("13:30")) == _ist("14:00")


def test_reminders_only_while_ahead() -> None:
    now = _ist("09:00")
    planned = planned_for("appointment.booked", _ist("10:00", day=2), now, None)
    assert [p.purpose for p in planned] == ["booking_confirmation", "reminder_24h", "reminder_2h"]
    soon = planned_for("appointment.booked", _ist("10:00"), now, None)
    assert [p.purpose for p in soon] == ["booking_confirmation"]  # both reminders would be in the past
    assert planned_for("appointment.completed", None, now, None) == []
    assert [p.purpose for p in planned_for("appointment.completed", None, now, 30)] == ["follow_up_recall"]


def test_the_shipped_templates_cover_every_purpose_in_english_hindi_and_tamil() -> None:
    templates = load_templates()
    assert templates.languages == ["en", "hi", "ta"]
    for language in templates.languages:
        for purpose in PURPOSES:
            assert templates.get(purpose, language).language == language
    assert templates.get("booking_confirmation", "fr").language == "en"  # an unknown language: the first


def _templates_file(tmp_path: Path, change: Any) -> str:
    raw = json.loads(load_templates().model_dump_json())
    change(raw)
    path = tmp_path / "templates.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["templates"][0].update(text="Hi {patient}"),
         "unknown variable {patient} (known: booking_id, branch_name"),
        (lambda raw: raw["templates"].pop(1), "no template for booking_confirmation in language hi"),
        (lambda raw: raw["templates"][0]["sms"].update(dlt_template_id="12"), "dlt_template_id"),
        (lambda raw: raw["templates"][0].update(text="Hi {"), "text is not a template"),
    ],
)  # fmt: skip
def test_a_bad_templates_file_is_one_line(tmp_path: Path, change: Any, message: str) -> None:
    path = _templates_file(tmp_path, change)
    with pytest.raises(ConfigError) as caught:
        load_templates(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_the_cli_refuses_a_bad_templates_file_and_a_missing_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _templates_file(tmp_path, lambda raw: raw["templates"][0].update(text="Hi {nope}"))
    messaging = {
        "channels": ["sms"], "templates_file": path,
        "msg91": {"authkey": {"env": "MYMEDIC_TEST_MSG91_KEY"}, "sender": "AROGYA"},
    }  # fmt: skip
    config = json.dumps({"tenants": [{"tenant_id": "tnt_arogya", "messaging": messaging}]})
    monkeypatch.delenv("MYMEDIC_TEST_MSG91_KEY", raising=False)
    db = f"sqlite:///{tmp_path / 'booking.db'}"
    missing = CliRunner().invoke(app, ["messages", "send", "--db", db, "--config", config])
    assert (
        missing.exit_code == 1 and "environment variable MYMEDIC_TEST_MSG91_KEY is not set" in missing.output
    )
    monkeypatch.setenv("MYMEDIC_TEST_MSG91_KEY", "msg91-secret-key-value")
    bad = CliRunner().invoke(app, ["messages", "send", "--db", db, "--config", config])
    assert bad.exit_code == 1 and "unknown variable {nope}" in bad.output
    assert "Traceback" not in bad.output and "msg91-secret-key-value" not in bad.output
    assert len(bad.output.strip().splitlines()) == 1


def test_a_channel_needs_its_provider() -> None:
    with pytest.raises(ConfigError, match="channel whatsapp needs its provider block `whatsapp`"):
        load_config(json.dumps({"tenants": [{"tenant_id": "t1", "messaging": {"channels": ["whatsapp"]}}]}))


def test_every_event_that_plans_messages_is_looked_at() -> None:
    from booking.domain.events import EVENT_TYPES
    from booking.domain.messaging import MESSAGE_SOURCES

    planning = {t for t in EVENT_TYPES if planned_for(t, _ist("10:00", day=9), _ist("09:00"), 30)}
    assert planning <= MESSAGE_SOURCES and "appointment.booked" in planning
