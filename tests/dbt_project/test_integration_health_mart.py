"""fct_integration_health_daily through real dbt on chDB: two feeds' load ledger rows (a bank statement
rejected, then read again and loaded), booking events with their partner webhook delivery runs (a retry,
a dead letter and its replay) and two patient SMS (one sent on its second attempt, one dead-lettered), and
bundle deliveries to two targets (one delivered on its second attempt after failing for good the day
before), and the daily rows worked out by hand in the comments."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from dbt_runner import dbt_failure, mart_column_types, run_dbt, run_results

from core.settings import WarehouseSettings, warehouse_settings
from core.warehouse import Warehouse, open_warehouse
from exports.framework.audit import AuditEvent, record
from ingestion.feeds.booking_events.spec import EVENTS as BOOKING_EVENTS
from ingestion.tables import create_raw_tables

TENANT = "t_health"
MART = "fct_integration_health_daily"
SFTP = "sftp://clinic@127.0.0.1:2222/incoming"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def ledger(warehouse: Warehouse, batch: str, feed: str, content: str, status: str, started: str,
           read: int, loaded: int, quarantined: int, duplicate: int) -> None:  # fmt: skip
    """One load_ledger row as the loader writes it, committed a second after it started."""
    start = utc(started)
    warehouse.client.insert(
        f"{warehouse.db('raw')}.load_ledger",
        [[batch, feed, f"{feed}/{content}.file", content, 100, status, "", read, loaded, quarantined,
          duplicate, start, start.replace(second=1)]],
        column_names=["_batch_id", "feed", "source_file", "content_sha256", "file_bytes", "status", "note",
                      "rows_read", "rows_loaded", "rows_quarantined", "rows_skipped", "started_at",
                      "finished_at"],
    )  # fmt: skip


def statement_lines(warehouse: Warehouse, batch: str, loaded_at: str, txn_dates: list[date]) -> None:
    """Bank statement lines of one committed batch, with only their transaction dates (the event time)."""
    warehouse.client.insert(
        f"{warehouse.db('raw')}.bank_statement_lines",
        [[day, batch, f"{batch}.csv", line, utc(loaded_at)] for line, day in enumerate(txn_dates, 1)],
        column_names=["txn_date", "_batch_id", "_source_file", "_source_line", "_loaded_at"],
    )


def events(warehouse: Warehouse, batch: str, loaded_at: str, rows: list[dict[str, Any]]) -> None:
    """Booking events of one committed batch of the booking_events feed."""
    names = [*BOOKING_EVENTS.column_names, "_batch_id", "_source_file", "_source_line", "_loaded_at"]
    data = [
        [*(row[n] for n in BOOKING_EVENTS.column_names), batch, f"{batch}.ndjson", line, utc(loaded_at)]
        for line, row in enumerate(rows, 1)
    ]
    warehouse.client.insert(f"{warehouse.db('raw')}.booking_events", data, column_names=names)


def booking_event(event_id: str, event_type: str, at: str, subject: str = "bk_1",
                  data: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    return {"event_id": event_id, "specversion": "1.0", "event_type": event_type,
            "source": "mymedic/booking/BLR01", "subject": subject, "event_time": utc(at),
            "datacontenttype": "application/json", "tenant_id": TENANT, "branch_id": "BLR01",
            "data": json.dumps(data or {"booking_id": "bk_1"})}  # fmt: skip


def message(event_id: str, step: str, message_id: str, at: str, **data: Any) -> dict[str, Any]:
    """A patient message's lifecycle event, as the booking service's outbound adapter emits it."""
    return booking_event(event_id, f"message.{step}", at, message_id, {"message_id": message_id, **data})


def queued(event_id: str, message_id: str, at: str, scheduled_for: str) -> dict[str, Any]:
    return message(event_id, "queued", message_id, at, booking_id="bk_1", patient_id="pt_1",
                   branch_id="BLR01", channel="sms", provider="msg91", template="reminder", language="en",
                   purpose="reminder", recipient_masked="+91******10", scheduled_for=scheduled_for)  # fmt: skip


def interval(event_id: str, end: str, **counts: int) -> dict[str, Any]:
    """The MLLP listener's event for one interval ending at `end` (ingestion/mllp/ops_events.py)."""
    data = {"listener": "127.0.0.1:2575", "interval_start": "2026-10-06T00:00:00Z",
            "interval_end": end.replace(" ", "T") + "Z", "connections": 2, "connections_open": 0, **counts}  # fmt: skip
    return {**booking_event(event_id, "ops.mllp.listener.interval", end), "data": json.dumps(data)}


def delivery(event_id: str, outcome: str, delivered: str, attempts: int, at: str) -> dict[str, Any]:
    """The booking worker's metric event for one delivery run of `delivered` to the endpoint `crm`."""
    failed = outcome != "succeeded"
    data = {"endpoint": "crm", "event_id": delivered, "event_type": "appointment.booked", "attempts": attempts,
            "latency_ms": 80, "status_code": 500 if failed else 200, "error": "HTTP 500" if failed else ""}  # fmt: skip
    return {**booking_event(event_id, f"ops.webhook.delivery.{outcome}", at), "data": json.dumps(data)}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WarehouseSettings]:
    root = tmp_path_factory.mktemp("dbt_integration_health")
    settings = warehouse_settings(f"chdb://{root / 'warehouse'}")
    with open_warehouse(settings) as w:
        create_raw_tables(w)
        # 5 Oct (IST): a booking events file (6 read: 5 loaded, 1 quarantined) and a bank statement rejected
        events(w, "be_a", "2026-10-05 04:30:00", [
            booking_event("e1", "appointment.booked", "2026-10-05 04:00:00"),  # lag 1800 s
            booking_event("e2", "appointment.cancelled", "2026-10-05 04:20:00"),  # lag 600 s
            delivery("o1", "failed", "e1", 2, "2026-10-05 04:10:00"),  # 600 s after e1
            delivery("o2", "succeeded", "e1", 3, "2026-10-05 04:12:00"),  # 720 s after e1
            delivery("o3", "dead_lettered", "e2", 4, "2026-10-05 04:25:00"),  # 300 s after e2
            # msg_1 due at 04:00, fails once, sent on attempt 2 at 04:01:40 (a lag of 100 s)
            queued("m1", "msg_1", "2026-10-05 03:50:00", "2026-10-05T04:00:00Z"),
            message("m2", "attempt_failed", "msg_1", "2026-10-05 04:00:05", attempt=1, error_code="HTTP 503",
                    retryable=True, retry_after_seconds=60),
            message("m3", "sent", "msg_1", "2026-10-05 04:01:40", provider="msg91", provider_message_id="p1",
                    attempt=2, sent_at="2026-10-05T04:01:40Z", segments=1),
            # msg_2 fails for good: its dead letter at the same time as the failed attempt
            queued("m4", "msg_2", "2026-10-05 03:50:00", "2026-10-05T04:00:00Z"),
            message("m5", "attempt_failed", "msg_2", "2026-10-05 04:02:00", attempt=1, error_code="HTTP 400",
                    retryable=False, retry_after_seconds=None),
            message("a5", "dead_lettered", "msg_2", "2026-10-05 04:02:00", attempts=1, error_code="HTTP 400",
                    reason="permanent error"),
        ])  # fmt: skip
        ledger(w, "be_a", "booking_events", "a1", "loaded", "2026-10-05 04:30:00", 12, 11, 1, 0)
        ledger(w, "bs_1", "bank_statements", "s1", "rejected", "2026-10-05 05:00:00", 2, 0, 2, 0)
        # 6 Oct (IST): the statement read again and loaded (a retry); e2 replayed and delivered; e3 booked
        ledger(w, "bs_1", "bank_statements", "s1", "loaded", "2026-10-06 05:00:00", 2, 2, 0, 0)
        # its two lines, of 4 and 5 Oct: from the start of those IST days (18:30 UTC the day before) to the
        # load at 05:00 UTC, 2 days 10h30m = 210600 s and 1 day 10h30m = 124200 s
        statement_lines(w, "bs_1", "2026-10-06 05:00:00", [date(2026, 10, 4), date(2026, 10, 5)])
        events(w, "be_b", "2026-10-06 03:00:00", [
            delivery("o4", "succeeded", "e2", 5, "2026-10-06 02:00:00"),  # 78000 s after e2 (21h40m)
            booking_event("e3", "appointment.booked", "2026-10-06 02:30:00"),  # lag 1800 s
            # the MLLP listener's two intervals: 10 stored, 1 resent, 1 AR; then 2 AE and nothing stored
            interval("l1", "2026-10-06 02:00:00", accepted=10, duplicates=1, rejected=1, errors=0),
            interval("l2", "2026-10-06 02:10:00", accepted=0, duplicates=0, rejected=0, errors=2),
        ])  # fmt: skip
        ledger(w, "be_b", "booking_events", "b1", "loaded", "2026-10-06 03:00:00", 3, 2, 0, 1)
        # bundle tpa: September's to a folder on 5 Oct; October's fails for good over SFTP on the 5th (3
        # attempts, a dead letter) and is delivered on the 6th at its second attempt. A produced row is no
        # delivery.
        bundle = {"actor": "test", "bundle": "tpa", "recipient": "TPA"}
        record(
            w, AuditEvent(event="produced", period_label="2026-10", **bundle), at=utc("2026-10-05 05:59:00")
        )
        record(
            w,
            AuditEvent(event="delivered", period_label="2026-09", delivery="folder:/srv/out", **bundle),
            at=utc("2026-10-05 06:00:00"),
        )
        record(
            w,
            AuditEvent(
                event="delivery_failed",
                period_label="2026-10",
                delivery=SFTP,
                attempts=3,
                outcome="delivery to sftp failed",
                dead_letter=True,
                **bundle,
            ),
            at=utc("2026-10-05 07:00:00"),
        )
        record(w, AuditEvent(event="delivered", period_label="2026-10", delivery=SFTP, attempts=2, **bundle),
               at=utc("2026-10-06 03:00:00"))  # fmt: skip
    result = run_dbt(settings, root, "build", "--select", f"+{MART}")
    assert result.returncode == 0, dbt_failure(result)
    statuses = run_results(Path(root))
    assert f"model.mymedic.{MART}" in statuses
    assert all(status in ("success", "pass") for status in statuses.values()), statuses
    yield settings


def test_each_integration_day_as_worked_out_by_hand(built: WarehouseSettings) -> None:
    with open_warehouse(built) as w:
        rows = w.dicts(
            "select integration_type as type, integration_name as name, toString(activity_date) as day,"
            " volume, loaded_count as loaded, quarantined_count as quarantined, duplicate_count as dup,"
            " quarantine_rate as rate, lag_p50_seconds as p50, lag_p95_seconds as p95, retry_count as retries,"
            " failure_count as failures, dead_letter_depth as dlq, toString(last_success_at) as last_success"
            f" from {w.db('marts')}.{MART} order by type, name, day"
        )
    assert rows == [
        {"type": "export_delivery", "name": "tpa/folder:/srv/out", "day": "2026-10-05", "volume": 1,
         "loaded": 1, "quarantined": None, "dup": None, "rate": None, "p50": None, "p95": None, "retries": 0,
         "failures": 0, "dlq": 0, "last_success": "2026-10-05 06:00:00.000"},
        # October's bundle failed after 3 attempts (2 retries): in the dead-letter queue, no success yet
        {"type": "export_delivery", "name": f"tpa/{SFTP}", "day": "2026-10-05", "volume": 1, "loaded": 0,
         "quarantined": None, "dup": None, "rate": None, "p50": None, "p95": None, "retries": 2,
         "failures": 1, "dlq": 1, "last_success": None},
        # delivered again on its second attempt: out of the queue
        {"type": "export_delivery", "name": f"tpa/{SFTP}", "day": "2026-10-06", "volume": 1, "loaded": 1,
         "quarantined": None, "dup": None, "rate": None, "p50": None, "p95": None, "retries": 1,
         "failures": 0, "dlq": 0, "last_success": "2026-10-06 03:00:00.000"},
        # the statement rejected: a failure, every record quarantined, nothing loaded yet
        {"type": "feed", "name": "bank_statements", "day": "2026-10-05", "volume": 2, "loaded": 0,
         "quarantined": 2, "dup": 0, "rate": 1.0, "p50": None, "p95": None, "retries": 0, "failures": 1,
         "dlq": None, "last_success": None},
        # the same file read again: a retry, loaded; lags 124200 and 210600 (exact: p50 the upper one)
        {"type": "feed", "name": "bank_statements", "day": "2026-10-06", "volume": 2, "loaded": 2,
         "quarantined": 0, "dup": 0, "rate": 0.0, "p50": 210600, "p95": 210600, "retries": 1, "failures": 0,
         "dlq": None, "last_success": "2026-10-06 05:00:01.000"},
        # booking facts' lags 600 and 1800: exact p50 and p95 are both the upper one; 1/12 quarantined
        {"type": "feed", "name": "booking_events", "day": "2026-10-05", "volume": 12, "loaded": 11,
         "quarantined": 1, "dup": 0, "rate": 0.0833, "p50": 1800, "p95": 1800, "retries": 0, "failures": 0,
         "dlq": None, "last_success": "2026-10-05 04:30:01.000"},
        {"type": "feed", "name": "booking_events", "day": "2026-10-06", "volume": 3, "loaded": 2,
         "quarantined": 0, "dup": 1, "rate": 0.0, "p50": 1800, "p95": 1800, "retries": 0, "failures": 0,
         "dlq": None, "last_success": "2026-10-06 03:00:01.000"},
        # the listener: 14 messages answered, 10 stored, 1 resent (a duplicate, a retry), 3 refused
        {"type": "mllp_listener", "name": f"{TENANT}/127.0.0.1:2575", "day": "2026-10-06", "volume": 14,
         "loaded": 10, "quarantined": None, "dup": 1, "rate": None, "p50": None, "p95": None, "retries": 1,
         "failures": 3, "dlq": None, "last_success": "2026-10-06 02:00:00.000"},
        # send attempts m2, m3 and m5: one sent (attempt 2, a retry, 100 s late), two failed; msg_2 in the
        # dead-letter queue (its dead letter sorts after its failed attempt of the same time)
        {"type": "outbound_adapter", "name": f"{TENANT}/sms/msg91", "day": "2026-10-05", "volume": 3,
         "loaded": 1, "quarantined": None, "dup": None, "rate": None, "p50": 100, "p95": 100, "retries": 1,
         "failures": 2, "dlq": 1, "last_success": "2026-10-05 04:01:40.000"},
        # runs o1, o2, o3: lags 300, 600, 720 (p50 600, p95 720); attempts made 2+1+4 = 7, of which the
        # first of e1 and of e2 are not retries: 5; o1 failed and o3 dead-lettered; e2 in the queue
        {"type": "webhook_endpoint", "name": f"{TENANT}/crm", "day": "2026-10-05", "volume": 3, "loaded": 1,
         "quarantined": None, "dup": None, "rate": None, "p50": 600, "p95": 720, "retries": 5,
         "failures": 2, "dlq": 1, "last_success": "2026-10-05 04:12:00.000"},
        # e2's replay (attempt 5, a retry) delivered it: out of the queue
        {"type": "webhook_endpoint", "name": f"{TENANT}/crm", "day": "2026-10-06", "volume": 1, "loaded": 1,
         "quarantined": None, "dup": None, "rate": None, "p50": 78000, "p95": 78000, "retries": 1,
         "failures": 0, "dlq": 0, "last_success": "2026-10-06 02:00:00.000"},
    ]  # fmt: skip


def test_the_contract_is_enforced_with_the_documented_types(built: WarehouseSettings) -> None:
    assert mart_column_types(built, MART) == {
        "integration_type": "String", "integration_name": "String", "activity_date": "Date",
        "volume": "Int64", "loaded_count": "Int64", "quarantined_count": "Nullable(Int64)",
        "duplicate_count": "Nullable(Int64)", "quarantine_rate": "Nullable(Float64)",
        "lag_p50_seconds": "Nullable(Int64)", "lag_p95_seconds": "Nullable(Int64)", "retry_count": "Int64",
        "failure_count": "Int64", "dead_letter_depth": "Nullable(Int64)",
        "last_success_at": "Nullable(DateTime64(3, 'UTC'))",
    }  # fmt: skip


def test_the_mart_builds_before_any_bundle_ran(tmp_path: Path) -> None:
    """The raw tables' setup creates exports.audit empty: the mart and its parents build with no bundle."""
    settings = warehouse_settings(f"chdb://{tmp_path / 'warehouse'}")
    with open_warehouse(settings) as w:
        create_raw_tables(w)
        ledger(w, "bs_1", "bank_statements", "s1", "loaded", "2026-10-06 05:00:00", 2, 2, 0, 0)
    result = run_dbt(settings, tmp_path, "build", "--select", f"+{MART}")
    assert result.returncode == 0, dbt_failure(result)
    with open_warehouse(settings) as w:
        types = w.rows(f"select distinct integration_type from {w.db('marts')}.{MART}")
    assert types == [("feed",)]
