"""The schema comes from the Alembic migrations: up, down and up again on both backends, and the models
match the migrations exactly (no autogenerate drift)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from booking_backends import create_pg_database, drop_pg_database, pg_url
from sqlalchemy import create_engine, inspect

from booking.infra.db import VERSION_TABLE, alembic_config, downgrade, migrate


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path, pg_available: str | None) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if pg_available:
        pytest.skip(pg_available)
    name = create_pg_database("booking_migrations")
    try:
        yield pg_url(name)
    finally:
        drop_pg_database(name)


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_up_down_up_and_no_drift(empty_db: str) -> None:
    migrate(empty_db)
    tables = _tables(empty_db)
    assert {"bookings", "outbox_events", "audit_events", "webhook_receipts", "idempotency_keys"} <= tables
    command.check(alembic_config(empty_db))  # raises if the models and the migrations differ
    downgrade(empty_db, "base")
    assert _tables(empty_db) == {VERSION_TABLE}
    migrate(empty_db)
    assert _tables(empty_db) == tables


def test_receipts_per_tenant_and_back(empty_db: str) -> None:
    """0002 keys receipts per tenant; going back to 0001 keeps the earliest receipt of a shared id."""
    from sqlalchemy import text

    migrate(empty_db)
    engine = create_engine(empty_db)
    insert = text(
        "insert into webhook_receipts (tenant_id, source, event_id, event_type, outcome, received_at)"
        " values (:tenant, 'razorpay', 'evt_1', 'payment.captured', 'done', :at)"
    )
    try:
        with engine.begin() as conn:
            conn.execute(insert, {"tenant": "tnt_b", "at": "2026-10-01 10:00:00+00:00"})
            conn.execute(insert, {"tenant": "tnt_a", "at": "2026-10-01 10:05:00+00:00"})
        downgrade(empty_db, "0001")
        with engine.begin() as conn:
            kept = conn.execute(text("select tenant_id, event_id from webhook_receipts")).all()
        assert [tuple(row) for row in kept] == [("tnt_b", "evt_1")]
        migrate(empty_db)
        with engine.begin() as conn:
            conn.execute(insert, {"tenant": "tnt_a", "at": "2026-10-01 10:05:00+00:00"})
            assert conn.execute(text("select count(*) from webhook_receipts")).scalar() == 2
    finally:
        engine.dispose()


def test_message_dead_letters_backfilled_from_dead_lettered_messages(empty_db: str) -> None:
    """0007: a message already dead-lettered gets its dead letter, the reason from its event; others none."""
    import json

    from sqlalchemy import text

    migrate(empty_db, "0006")
    engine = create_engine(empty_db)
    message = text(
        "insert into messages (message_id, tenant_id, branch_id, patient_id, channel, provider, purpose,"
        " template, language, recipient, recipient_masked, variables, state, scheduled_for, next_attempt_at,"
        " attempts, last_error_code, last_error, dead_lettered_at, created_at, updated_at) values (:id,"
        " 'tnt_a', 'br_1', 'pat_1', 'sms', 'msg91', 'booking_confirmation', 'mmconf', 'en', '+919812345678',"
        " '+91******5678', '{}', :state, :at, :at, :attempts, :code, 'refused', :dead, :at, :at)"
    )
    event = text(
        "insert into outbox_events (event_id, tenant_id, branch_id, event_type, subject, event_time, body)"
        " values (:id, 'tnt_a', 'br_1', 'message.dead_lettered', :subject, :at, :body)"
    )
    at, dead = "2026-10-01 10:00:00+00:00", "2026-10-01 10:05:00+00:00"
    rows = [("msg_perm", "dead_lettered", 1, "invalid_number", dead, "permanent error"),
            ("msg_tired", "dead_lettered", 6, "HTTP 503", dead, "no success after 6 attempts"),
            ("msg_sent", "sent", 1, None, None, None)]  # fmt: skip
    try:
        with engine.begin() as conn:
            for id_, state, attempts, code, dead_at, reason in rows:
                conn.execute(message, {"id": id_, "state": state, "at": at, "attempts": attempts,
                                       "code": code, "dead": dead_at})  # fmt: skip
                if reason:
                    body = json.dumps({"data": {"message_id": id_, "reason": reason}})
                    conn.execute(event, {"id": f"evt_{id_}", "subject": id_, "at": dead_at, "body": body})
        migrate(empty_db)
        select = text(
            "select message_id, channel, provider, attempts, last_error_code, reason, replayed_at"
            " from message_dead_letters order by message_id"
        )
        with engine.begin() as conn:
            got = [tuple(r) for r in conn.execute(select)]
        assert got == [
            ("msg_perm", "sms", "msg91", 1, "invalid_number", "permanent", None),
            ("msg_tired", "sms", "msg91", 6, "HTTP 503", "exhausted", None),
        ]
        downgrade(empty_db, "0006")
        assert "message_dead_letters" not in _tables(empty_db)
    finally:
        engine.dispose()
