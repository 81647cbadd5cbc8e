"""Patient messages end to end (issue 12, outbound): booked and rescheduled through the API, queued in the
booking's transaction, sent by the worker's job to local servers speaking WhatsApp Cloud API's, MSG91's and
SMTP's documented shapes. The clock is injected; in-run retry sleeps are recorded, never slept."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from booking_harness import START, TENANT, Harness, StaffKeys, iso, make_config, slot
from fastapi.testclient import TestClient
from sqlalchemy import select
from support.message_providers import Msg91, SmtpRelay, WhatsAppCloud, msg91, smtp_relay, whatsapp_cloud
from typer.testing import CliRunner

from booking.api.app import create_app
from booking.domain.clock import IST, ManualClock
from booking.infra.db import Database
from booking.infra.models import Message, MessageDeadLetter
from booking.services.outbound_messages import SendReport, send_due_messages
from booking.services.partner_delivery import Transport
from booking.settings import BookingConfig
from mymedic.cli import app

TOMORROW = START.astimezone(IST).date() + timedelta(days=1)
PHONE = "+919812345678"
EMAIL = "asha.rao@example.com"
TOKEN_ENV = "MYMEDIC_TEST_WHATSAPP_TOKEN"


@dataclass
class Providers:
    wa: WhatsAppCloud
    sms: Msg91
    mail: SmtpRelay


@pytest.fixture
def providers() -> Iterator[Providers]:
    with whatsapp_cloud() as wa, msg91() as sms, smtp_relay() as mail:
        yield Providers(wa, sms, mail)


def messaging_config(staff_keys: StaffKeys, p: Providers, **policy: Any) -> BookingConfig:
    config = make_config(
        staff_keys,
        name="Arogya Clinics",
        messaging={
            "channels": ["whatsapp", "sms", "email"],
            "whatsapp": {"api_base_url": p.wa.base_url, "phone_number_id": "106540352242922",
                         "access_token": {"env": TOKEN_ENV}},
            "msg91": {"api_base_url": p.sms.base_url, "authkey": p.sms.authkey, "sender": "AROGYA"},
            "smtp": {"host": "127.0.0.1", "port": p.mail.port, "starttls": False,
                     "from_address": "care@arogya.example", "message_id_domain": "mail.arogya.example"},
        },
    )  # fmt: skip
    delivery = {"max_attempts": 6, "attempts_per_run": 2, "backoff_seconds": 1, "backoff_max_seconds": 5,
                "reschedule_max_seconds": 60, "timeout_seconds": 5, **policy}  # fmt: skip
    return config.model_copy(
        update={
            "message_delivery": BookingConfig.model_validate({"message_delivery": delivery}).message_delivery
        }
    )


@pytest.fixture
def messaging(
    db_url: str,
    clock: ManualClock,
    staff_keys: StaffKeys,
    providers: Providers,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Harness, BookingConfig]]:
    monkeypatch.setenv(TOKEN_ENV, providers.wa.token)
    config = messaging_config(staff_keys, providers)
    with TestClient(create_app(config, db_url=db_url, clock=clock)) as client:
        yield Harness(http=client, clock=clock, db_url=db_url, staff=staff_keys), config


@contextmanager
def _transport(harness: Harness, sleeps: list[float]) -> Iterator[tuple[Database, Transport]]:
    db = Database(harness.db_url)
    try:
        with httpx.Client(timeout=5) as client:
            yield db, Transport(client=client, clock=harness.clock, sleep=sleeps.append)
    finally:
        db.dispose()


def send(harness: Harness, config: BookingConfig, sleeps: list[float] | None = None) -> SendReport:
    with _transport(harness, sleeps if sleeps is not None else []) as (db, transport):
        return send_due_messages(db, config, transport)


def messages(harness: Harness) -> list[Message]:
    db = Database(harness.db_url)
    try:
        with db.read() as s:
            return list(s.scalars(select(Message).order_by(Message.created_at, Message.message_id)))
    finally:
        db.dispose()


def dead_letters(harness: Harness) -> list[MessageDeadLetter]:
    db = Database(harness.db_url)
    try:
        with db.read() as s:
            return list(s.scalars(select(MessageDeadLetter).order_by(MessageDeadLetter.id)))
    finally:
        db.dispose()


def check_dead_letters(harness: Harness) -> list[MessageDeadLetter]:
    """Every dead-lettering has its row (one per `message.dead_lettered` event, same message, attempts and
    error), and every message in the dead-letter state has exactly one row not replayed yet."""
    rows = dead_letters(harness)
    events = harness.events("message.dead_lettered")
    assert [(r.message_id, r.attempts, r.last_error_code) for r in rows] == [
        (e["data"]["message_id"], e["data"]["attempts"], e["data"]["error_code"]) for e in events
    ]
    dead = sorted(m.message_id for m in messages(harness) if m.state == "dead_lettered")
    assert sorted(r.message_id for r in rows if r.replayed_at is None) == dead
    return rows


def book(harness: Harness, when: Any, **patient: str) -> dict[str, Any]:
    body = {
        "branch_id": "br_blr01", "doctor_id": "doc_blr01_01", "slot_start": iso(when), "visit_type": "in_person",
        "patient": {"name": "Asha Rao", "phone": PHONE, "email": EMAIL, **patient},
    }  # fmt: skip
    response = harness.post("/v1/bookings", body)
    assert response.status_code == 201, response.text
    return response.json()


def reschedule(harness: Harness, booking_id: str, when: Any) -> None:
    response = harness.post(f"/v1/bookings/{booking_id}/reschedule", {"slot_start": iso(when)})
    assert response.status_code == 200, response.text


def received(p: Providers) -> Counter[tuple[str, str]]:
    """(channel, template) of everything the providers accepted."""
    out: Counter[tuple[str, str]] = Counter()
    out.update(("whatsapp", m["name"]) for m in p.wa.accepted)
    out.update(("sms", m["template_id"]) for m in p.sms.accepted)
    out.update(("email", m["subject"]) for m in p.mail.accepted)
    return out


def expected(*purposes: str, language: str = "en") -> Counter[tuple[str, str]]:
    from booking.domain.messaging import load_templates

    templates = load_templates()
    out: Counter[tuple[str, str]] = Counter()
    for purpose in purposes:
        t = templates.get(purpose, language)
        assert t.whatsapp and t.sms and t.email
        out.update(
            [("whatsapp", t.whatsapp.name), ("sms", t.sms.msg91_template_id), ("email", t.email.subject)]
        )
    return out


def test_book_and_reschedule_send_exactly_the_expected_messages(
    messaging: tuple[Harness, BookingConfig], providers: Providers, caplog: pytest.LogCaptureFixture
) -> None:
    harness, config = messaging
    caplog.set_level(logging.DEBUG)
    booking = book(harness, slot(TOMORROW, "10:00"))
    harness.pay(booking["orders"][0]["order_id"], booking["deposit_paise"])
    # nothing is sent inside the request: the messages wait for the worker
    assert received(providers) == Counter()
    reschedule(harness, booking["booking_id"], slot(TOMORROW, "09:00"))

    assert send(harness, config).sent == 6
    assert received(providers) == expected("booking_confirmation", "reschedule_notice")
    notice = next(m for m in providers.wa.accepted if m["name"] == "mymedic_reschedule_notice")
    assert notice["to"] == "919812345678" and notice["language"] == "en"
    assert notice["parameters"] == [
        "Asha Rao", booking["booking_id"], "Dr. Doc_Blr01_01", "Arogya Clinics", "Arogya Indiranagar",
        "Fri 02 Oct 2026, 10:00 IST", "Fri 02 Oct 2026, 09:00 IST",
    ]  # fmt: skip
    sms = next(m for m in providers.sms.accepted if m["template_id"] == "mmreschedulenoticeen")
    assert (
        sms["sender"] == "AROGYA" and sms["to"] == "919812345678" and sms["variables"]["var1"] == "Asha Rao"
    )
    mail = next(m for m in providers.mail.accepted if m["subject"] == "Appointment moved")
    assert mail["to"] == EMAIL and "09:00 IST" in mail["text"]

    # the 24 h reminder of the new slot (09:00 IST today); the old slot's reminders were superseded
    harness.clock.set(slot(START.astimezone(IST).date(), "09:00"))
    assert send(harness, config).sent == 3
    # the 2 h reminder falls at 07:00 IST, inside the quiet hours: deferred to 08:00 when queued
    harness.clock.set(slot(TOMORROW, "07:00"))
    assert send(harness, config).sent == 0
    harness.clock.set(slot(TOMORROW, "08:00"))
    assert send(harness, config).sent == 3
    assert received(providers) == expected(
        "booking_confirmation", "reschedule_notice", "reminder_24h", "reminder_2h"
    )

    states = Counter((m.purpose, m.state) for m in messages(harness))
    assert states[("reminder_24h", "superseded")] == 3 and states[("reminder_2h", "superseded")] == 3
    deferred = harness.events("message.deferred")
    assert len(deferred) == 3 and {e["data"]["deferred_until"] for e in deferred} == {
        "2026-10-02T02:30:00.000Z"
    }
    sent = harness.events("message.sent")
    assert len(sent) == 12 and all(e["data"]["attempt"] == 1 for e in sent)
    by_provider = {e["data"]["provider"]: e for e in sent}
    assert by_provider["meta"]["data"]["provider_message_id"].startswith("wamid.")
    assert by_provider["msg91"]["data"]["segments"] >= 1 and by_provider["smtp"]["data"]["segments"] is None
    assert by_provider["smtp"]["data"]["provider_message_id"].endswith("@mail.arogya.example>")
    queued = harness.events("message.queued")
    assert {e["data"]["recipient_masked"] for e in queued} == {"+91******5678", "a***@example.com"}
    assert all(
        e["subject"] == e["data"]["message_id"] for e in harness.events() if e["type"].startswith("message.")
    )
    # no phone number, address or token anywhere in the events or the logs
    bodies = json.dumps(harness.events())
    ours = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith("mail.")
    )  # not the relay's
    for secret in ("9812345678", EMAIL, providers.wa.token, providers.sms.authkey):
        assert secret not in bodies and secret not in ours


def test_outage_then_recovery_delivers_each_message_exactly_once(
    messaging: tuple[Harness, BookingConfig], providers: Providers
) -> None:
    harness, config = messaging
    book(harness, slot(TOMORROW, "15:00"))
    providers.wa.down = providers.sms.down = providers.mail.down = True
    sleeps: list[float] = []
    report = send(harness, config, sleeps)
    assert (report.sent, report.retrying) == (0, 3)
    assert len(sleeps) == 3 and all(
        0 <= s <= 5 for s in sleeps
    )  # one jittered backoff per message in the run
    failed = harness.events("message.attempt_failed")
    assert len(failed) == 6 and all(e["data"]["retryable"] for e in failed)
    assert {e["data"]["error_code"] for e in failed} == {"131000", "HTTP 503", "SMTP 451"}
    # still down at the next due run; then the providers recover
    harness.clock.advance(seconds=61)
    assert send(harness, config).retrying == 3
    providers.wa.down = providers.sms.down = providers.mail.down = False
    assert send(harness, config).sent == 0  # not due yet: the backoff is honoured
    harness.clock.advance(seconds=61)
    assert send(harness, config).sent == 3
    harness.clock.advance(seconds=600)
    assert send(harness, config).sent == 0
    assert received(providers) == expected("booking_confirmation")
    sent = harness.events("message.sent")
    assert [e["data"]["attempt"] for e in sent] == [5, 5, 5]  # after 4 failed attempts each
    assert len({e["data"]["message_id"] for e in sent}) == 3


def test_rate_limit_waits_for_retry_after_and_permanent_errors_dead_letter_at_once_then_replay(
    messaging: tuple[Harness, BookingConfig], providers: Providers, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness, config = messaging
    providers.wa.script = [(429, "120")]  # 130429, Retry-After 120 s: longer than the in-run cap
    providers.sms.invalid = {"919812345678"}  # MSG91 refuses the number
    providers.mail.refused = {EMAIL}  # the relay refuses the mailbox (550)
    book(harness, slot(TOMORROW, "15:00"))
    sleeps: list[float] = []
    report = send(harness, config, sleeps)
    assert (report.sent, report.retrying, report.dead_lettered) == (0, 1, 2)
    assert sleeps == []  # a long Retry-After is scheduled, not slept
    wa = next(m for m in messages(harness) if m.channel == "whatsapp" and m.purpose == "booking_confirmation")
    assert wa.state == "retrying" and wa.next_attempt_at >= harness.clock.now() + timedelta(seconds=120)
    limited = next(e for e in harness.events("message.attempt_failed") if e["data"]["error_code"] == "130429")
    assert limited["data"]["retry_after_seconds"] == 120
    dead = harness.events("message.dead_lettered")
    assert sorted(e["data"]["error_code"] for e in dead) == ["SMTP 550", "invalid_number"]
    assert all(e["data"]["attempts"] == 1 for e in dead)
    rows = check_dead_letters(harness)
    assert sorted((r.channel, r.provider, r.last_status_code, r.reason) for r in rows) == [
        ("email", "smtp", 550, "permanent"), ("sms", "msg91", 400, "permanent")
    ]  # fmt: skip
    harness.clock.advance(seconds=121)
    assert send(harness, config).sent == 1

    # the operator fixes the number and the mailbox; the dead letters are listed and replayed by the CLI
    providers.sms.invalid, providers.mail.refused = set(), set()
    monkeypatch.setenv("MYMEDIC_BOOKING_CONFIG", _config_json(config, providers))
    monkeypatch.setenv("COLUMNS", "250")  # rich's tables: one line per row
    runner = CliRunner()
    listed = runner.invoke(app, ["messages", "dlq", "list", "--db", harness.db_url])
    assert listed.exit_code == 0, listed.output
    lines = {
        r.channel: next(line for line in listed.output.splitlines() if r.message_id in line) for r in rows
    }
    assert (
        "invalid_number" in lines["sms"] and "+91******5678" in lines["sms"] and "permanent" in lines["sms"]
    )
    assert "SMTP 550" in lines["email"] and "a***@example.com" in lines["email"]
    assert all(f"│ {r.id} " in lines[r.channel] for r in rows)  # the dead letter's id, for --id
    sms = next(r for r in rows if r.channel == "sms")
    # by the dead letter's id
    one = runner.invoke(app, ["messages", "dlq", "replay", "--id", str(sms.id), "--db", harness.db_url])
    assert one.exit_code == 0 and "sent" in one.output, one.output
    after_one = runner.invoke(app, ["messages", "dlq", "list", "--db", harness.db_url])
    assert sms.message_id not in after_one.output and "SMTP 550" in after_one.output
    rest = runner.invoke(app, ["messages", "dlq", "replay", "--db", harness.db_url])
    assert rest.exit_code == 0, rest.output
    assert runner.invoke(app, ["messages", "dlq", "list", "--db", harness.db_url]).output.strip() == (
        "No dead-lettered messages."
    )
    # replaying again, by the dead letter or by the message, never sends twice
    for id_ in (str(sms.id), sms.message_id):
        again = runner.invoke(app, ["messages", "dlq", "replay", "--id", id_, "--db", harness.db_url])
        assert again.exit_code == 0 and "already sent" in again.output, again.output
    assert runner.invoke(app, ["messages", "dlq", "replay", "--db", harness.db_url]).output.strip() == (
        "No dead-lettered messages to replay."
    )
    for nope in ("msg_nope", "999999"):
        missing = runner.invoke(app, ["messages", "dlq", "replay", "--id", nope, "--db", harness.db_url])
        assert missing.exit_code == 1 and "not found" in missing.output and "Traceback" not in missing.output
    assert received(providers) == expected("booking_confirmation")
    assert {m.state for m in messages(harness) if m.purpose == "booking_confirmation"} == {"sent"}
    replayed = check_dead_letters(harness)
    assert [(r.replay_outcome, r.replayed_at is not None) for r in replayed] == [("sent", True)] * 2
    for secret in ("9812345678", EMAIL, providers.wa.token, providers.sms.authkey):
        assert secret not in listed.output + one.output + rest.output + after_one.output


def test_exhausted_attempts_dead_letter_and_a_failed_replay_dead_letters_again(
    messaging: tuple[Harness, BookingConfig], providers: Providers
) -> None:
    """`max_attempts` spent: one dead letter per message (reason `exhausted`, the last HTTP status); a replay
    during the outage spends a fresh budget and dead-letters the message again (a new row; the old one
    replayed with that outcome); after recovery a replay sends each message once, and the worker does not
    send it again."""
    from booking.services.message_dead_letters import list_dead_messages, replay_dead_messages

    harness, config = messaging
    config = config.model_copy(
        update={"message_delivery": config.message_delivery.model_copy(update={"max_attempts": 2})}
    )
    book(harness, slot(TOMORROW, "15:00"))
    providers.wa.down = providers.sms.down = True  # email still goes
    report = send(harness, config)
    assert (report.sent, report.dead_lettered) == (1, 2)
    first = check_dead_letters(harness)
    assert sorted((r.provider, r.attempts, r.last_status_code, r.reason) for r in first) == [
        ("meta", 2, 503, "exhausted"), ("msg91", 2, 503, "exhausted")
    ]  # fmt: skip
    with _transport(harness, []) as (db, transport):
        listed = list_dead_messages(db)
        assert [d.id for d in listed] == [r.id for r in first]
        assert {d.recipient_masked for d in listed} == {"+91******5678"}
        harness.clock.advance(seconds=60)
        again = replay_dead_messages(db, config, transport)
        assert [r.outcome for r in again] == ["dead_lettered"] * 2
        second = check_dead_letters(harness)
        assert [(r.replay_outcome, r.replayed_at) for r in second[:2]] == [
            ("dead_lettered", harness.clock.now())
        ] * 2
        assert len(second) == 4 and [r.replayed_at for r in second[2:]] == [None, None]
        assert [d.id for d in list_dead_messages(db)] == [r.id for r in second[2:]]
        # the old dead letter is spent: replaying it again says so and sends nothing
        assert replay_dead_messages(db, config, transport, dead_letter_id=first[0].id)[0].outcome == (
            "already replayed"
        )
        providers.wa.down = providers.sms.down = False
        harness.clock.advance(seconds=60)
        done = replay_dead_messages(db, config, transport)
        assert [(r.id, r.outcome) for r in done] == [(r.id, "sent") for r in second[2:]]
        assert replay_dead_messages(db, config, transport) == []
    harness.clock.advance(seconds=3600)
    assert send(harness, config).sent == 0
    assert received(providers) == expected("booking_confirmation")
    assert [r.replay_outcome for r in check_dead_letters(harness)] == ["dead_lettered"] * 2 + ["sent"] * 2


def _config_json(config: BookingConfig, p: Providers) -> str:
    """The config as the CLI reads it (SecretStr dumps redacted, so the secrets are put back)."""
    raw = json.loads(config.model_dump_json())
    for tenant in raw["tenants"]:
        tenant["api_keys"] = [k for k in tenant["api_keys"]]
        tenant["razorpay"] = None
        tenant["tele"] = None
        if tenant.get("messaging"):
            tenant["messaging"]["whatsapp"]["access_token"] = {"env": TOKEN_ENV}
            tenant["messaging"]["msg91"]["authkey"] = p.sms.authkey
            tenant["messaging"]["smtp"]["password"] = None
    raw["staff_auth"] = None
    return json.dumps(raw)


def test_opt_outs_suppress_per_channel(
    messaging: tuple[Harness, BookingConfig], providers: Providers
) -> None:
    harness, config = messaging
    book(harness, slot(TOMORROW, "15:00"))
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "messages",
            "opt-out",
            "--tenant",
            TENANT,
            "--phone",
            PHONE,
            "--channel",
            "sms",
            "--db",
            harness.db_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "+91******5678" in result.output and "9812345678" not in result.output
    providers.wa.opted_out = {"919812345678"}  # and WhatsApp says the patient stopped our messages there
    report = send(harness, config)
    assert (report.sent, report.suppressed) == (1, 2)
    assert received(providers) == Counter({("email", "Appointment booked"): 1})
    opted = harness.events("message.opted_out")
    assert sorted((e["data"]["channel"], e["data"]["keyword"]) for e in opted) == [
        ("sms", "STOP"), ("whatsapp", "whatsapp_opt_out")
    ]  # fmt: skip
    assert len(harness.events("message.suppressed")) == 2
    # the next booking's messages on those channels are suppressed without asking the providers
    requests = providers.wa.requests
    book(harness, slot(TOMORROW, "16:00"))
    report = send(harness, config)
    assert (report.sent, report.suppressed) == (1, 2) and providers.wa.requests == requests
    bad = runner.invoke(
        app, ["messages", "opt-out", "--tenant", TENANT, "--phone", "+919000000000", "--channel", "sms",
              "--db", harness.db_url],
    )  # fmt: skip
    assert bad.exit_code == 1 and "+91******0000" in bad.output and "9000000000" not in bad.output


def test_messages_in_the_patients_language(
    messaging: tuple[Harness, BookingConfig], providers: Providers
) -> None:
    harness, config = messaging
    book(harness, slot(TOMORROW, "15:00"), language="ta")
    assert send(harness, config).sent == 3
    assert received(providers) == expected("booking_confirmation", language="ta")
    assert providers.wa.accepted[0]["language"] == "ta"
    sent = next(e for e in harness.events("message.sent") if e["data"]["provider"] == "msg91")
    assert sent["data"]["segments"] >= 2  # Tamil is UCS-2: 70 characters a part


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_message_events_load_and_build_in_dbt(
    messaging: tuple[Harness, BookingConfig], providers: Providers, tmp_path: Path
) -> None:
    """The lifecycle and opt-out events go out through the outbox export, load through the booking_events
    feed with nothing quarantined, and build into their staging models (booking facts stay apart)."""
    import sys

    from booking.infra.outbox import export_events
    from core.settings import warehouse_settings
    from core.warehouse import open_warehouse
    from ingestion.feeds import LoadContext
    from ingestion.feeds.booking_events import FEED as EVENTS_FEED
    from ingestion.loader import load_file
    from ingestion.tables import create_raw_tables

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt_project"))  # the dbt tests' runner
    from dbt_runner import dbt_failure, run_dbt

    harness, config = messaging
    providers.wa.opted_out = {"919812345678"}
    providers.sms.script = [503]
    book(harness, slot(TOMORROW, "09:00"))  # its 2 h reminder is deferred (07:00 IST is quiet)
    send(harness, config)
    db = Database(harness.db_url)
    try:
        result = export_events(db, tmp_path / "events")
    finally:
        db.dispose()
    settings = warehouse_settings(f"chdb://{tmp_path / 'wh'}")
    with open_warehouse(settings) as w:
        create_raw_tables(w)
        [path] = result.files
        loaded = load_file(w, EVENTS_FEED, path, LoadContext(TENANT), source="events/x.ndjson")
    assert loaded.conserved and (loaded.rows_read, loaded.rows_quarantined) == (result.events, 0)
    models = ("stg_booking__events", "stg_booking__messages", "stg_booking__message_opt_outs")
    built = run_dbt(settings, tmp_path, "build", "--select", *models)
    assert built.returncode == 0, dbt_failure(built)
    with open_warehouse(settings) as w:
        staging = w.db("staging")
        steps = dict(
            w.rows(f"select lifecycle_step, count() from {staging}.stg_booking__messages group by 1")
        )
        facts = {r[0] for r in w.rows(f"select distinct event_type from {staging}.stg_booking__events")}
        sent = w.rows(
            f"select channel_of.channel, s.provider, s.attempt, s.segments from {staging}.stg_booking__messages s "
            f"join (select message_id, channel from {staging}.stg_booking__messages "
            f"where lifecycle_step = 'queued') channel_of using (message_id) where s.lifecycle_step = 'sent'"
        )
        opted = w.rows(f"select channel, keyword from {staging}.stg_booking__message_opt_outs")
    # 9 queued (3 purposes x 3 channels), the 3 reminders_2h deferred; WhatsApp's confirmation failed once
    # (the opt-out) and was suppressed, the SMS failed once (503) and went on the second attempt
    assert steps == {"queued": 9, "deferred": 3, "suppressed": 1, "sent": 2, "attempt_failed": 2}
    assert not any(t.startswith("message.") for t in facts)
    assert [row[:3] for row in sorted(sent)] == [("email", "smtp", 1), ("sms", "msg91", 2)]
    assert sorted(sent)[0][3] is None and sorted(sent)[1][3] >= 1
    assert opted == [("whatsapp", "whatsapp_opt_out")]


def test_tele_cancel_refund_and_follow_up_messages(
    db_url: str,
    clock: ManualClock,
    staff_keys: StaffKeys,
    providers: Providers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A prepaid tele visit gets its notice when the room opens; cancelling it sends the cancellation notice
    (its reminders superseded) and the refund notice once the refund is issued; a completed visit's recall
    waits `follow_up_days`. Only WhatsApp here: one message per purpose."""
    monkeypatch.setenv(TOKEN_ENV, providers.wa.token)
    base = messaging_config(staff_keys, providers)
    tenant = base.tenants[0]
    assert tenant.messaging is not None
    messaging_block = tenant.messaging.model_copy(update={"channels": ["whatsapp"], "follow_up_days": 30})
    config = base.model_copy(
        update={"tenants": [tenant.model_copy(update={"messaging": messaging_block}), *base.tenants[1:]]}
    )
    with TestClient(create_app(config, db_url=db_url, clock=clock)) as client:
        harness = Harness(http=client, clock=clock, db_url=db_url, staff=staff_keys)
        tele = harness.booked("doc_blr01_01", slot(TOMORROW, "15:00"), visit_type="tele")
        harness.pay(tele["orders"][0]["order_id"], tele["deposit_paise"])
        cancelled = harness.post(
            f"/v1/bookings/{tele['booking_id']}/cancel", {"reason": "patient_request"}
        ).json()
        [refund] = cancelled["refunds"]
        assert harness.refund_processed(refund).status_code == 200
        visit = harness.booked("doc_blr01_01", slot(TOMORROW, "11:00"))
        harness.pay(visit["orders"][0]["order_id"], visit["deposit_paise"])
        clock.set(slot(TOMORROW, "11:20"))
        done = harness.post(f"/v1/bookings/{visit['booking_id']}/complete", headers=harness.staff_headers())
        assert done.status_code == 200, done.text
        send(harness, config)
        names = Counter(m["name"] for m in providers.wa.accepted)
        assert names == Counter(
            {"mymedic_booking_confirmation": 2, "mymedic_tele_link": 1, "mymedic_cancellation_notice": 1,
             "mymedic_refund_notice": 1}
        )  # fmt: skip
        # no worker ran before the visit was completed: its reminders were superseded, never sent late
        refund_sent = next(m for m in providers.wa.accepted if m["name"] == "mymedic_refund_notice")
        assert f"Rs {refund['amount_paise'] // 100:,}.00" in refund_sent["parameters"]
        recall = [m for m in messages(harness) if m.purpose == "follow_up_recall"]
        assert [m.state for m in recall] == ["queued"]
        clock.advance(days=30)
        send(harness, config)
        assert Counter(m["name"] for m in providers.wa.accepted)["mymedic_follow_up_recall"] == 1
        states = Counter((m.booking_id, m.purpose, m.state) for m in messages(harness))
        assert states[(tele["booking_id"], "reminder_24h", "superseded")] == 1
        assert states[(tele["booking_id"], "reminder_2h", "superseded")] == 1
        assert states[(visit["booking_id"], "reminder_24h", "superseded")] == 1
