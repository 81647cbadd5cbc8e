"""`mymedic claims replay` as a user runs it, on a real chDB warehouse loaded by the loader: a claim's events
from a TPA export and NHCX, one arriving late (the query's answer loaded before the query), replayed as known
at a time; unknown claims and bad times are one-line errors. And every claim event's CloudEvent passes the
platform's event contract (the booking events feed's loader takes it, nothing quarantined)."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from support.paths import MYMEDIC

from core.settings import WAREHOUSE_ENV, warehouse_settings
from core.warehouse import open_warehouse
from ingestion.claim_event import CLAIM_EVENT_TYPE_NAMES, EVENT_TYPES, claim_row, cloudevents
from ingestion.feeds import LoadContext, feed_named
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables

TENANT = "tnt_replay"
MAPPING = """
sender: raksha
time_formats: [iso8601]
amounts: rupees
columns:
  message_id: Txn
  claim_id: CCN
  event_type: {column: Stage, codes: {SUB: claim_submitted, QRY: query_raised, REP: query_answered,
                                      PART: approved_partial}}
  event_time: At
  requested_paise: Claimed
  approved_paise: Approved
  deducted_paise: Deducted
  reason_code: Reason
"""
HEADER = "Txn,CCN,Stage,At,Claimed,Approved,Deducted,Reason\n"
FIRST = (
    'T1,CLM-1,SUB,2026-10-10T10:00+05:30,"1,18,500.50",,,\n'
    "T3,CLM-1,REP,2026-10-13T09:00+05:30,,,,\n"  # the answer: exported (and loaded) first
    'T4,CLM-1,PART,2026-10-14T16:00+05:30,,"1,10,000.00",8500.50,\n'
)
LATE = "T2,CLM-1,QRY,2026-10-11T12:00+05:30,,,,Q12\n"  # the query it answers, in a later export
NOTICE = {
    "headers": {
        "x-hcx-api_call_id": "call-9", "x-hcx-correlation_id": "corr-9", "x-hcx-sender_code": "1000003538@hcx",
        "x-hcx-timestamp": "2026-10-16T11:00:00+05:30",
    },
    "payload": {
        "resourceType": "PaymentNotice", "status": "active", "identifier": [{"value": "UTIB0000123456"}],
        "request": {"identifier": {"value": "CLM-1"}}, "created": "2026-10-16T11:00:00+05:30",
        "payment": {"identifier": {"value": "PR-9"}}, "recipient": {"identifier": {"value": "br_blr01"}},
        "amount": {"value": 108900.00, "currency": "INR"},
    },
}  # fmt: skip


def _mymedic(*args: str, warehouse: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, WAREHOUSE_ENV: f"chdb://{warehouse}", "COLUMNS": "200"}
    return subprocess.run([MYMEDIC, *args], capture_output=True, text=True, env=env, timeout=300)


def test_replay_prints_the_claim_as_known_then_with_late_events_in_event_time_order(tmp_path: Path) -> None:
    folder = tmp_path / "claims" / "tpa" / "raksha"
    folder.mkdir(parents=True)
    (folder / "mapping.yaml").write_text(MAPPING)
    (folder / "a_first.csv").write_text(HEADER + FIRST)
    (folder / "b_late.csv").write_text(HEADER + LATE)
    nhcx = tmp_path / "claims" / "nhcx" / "notice.json"
    nhcx.parent.mkdir(parents=True)
    nhcx.write_text(json.dumps(NOTICE))
    wh = tmp_path / "wh"
    with open_warehouse(warehouse_settings(f"chdb://{wh}")) as w:
        create_raw_tables(w)
        tpa, nhcx_feed = feed_named("claims_tpa"), feed_named("claims_nhcx")
        for path in tpa.files(tmp_path):  # a_first.csv, then b_late.csv
            assert load_file(w, tpa, path, LoadContext(TENANT), source=path.name).rows_loaded
        assert load_file(w, nhcx_feed, nhcx, LoadContext(TENANT), source=nhcx.name).rows_loaded == 1

    during = _mymedic("claims", "replay", "CLM-1", "--as-of", "2026-10-12T12:00+05:30", warehouse=wh)
    assert during.returncode == 0, during.stderr
    out = during.stdout
    assert "as known at 2026-10-12 12:00:00 IST" in out and "state: query_pending (reason Q12)" in out
    assert "₹1,18,500.50" in out  # requested, grouped the Indian way
    assert out.index("claim_submitted") < out.index("query_raised") and "query_answered" not in out
    assert "Events (2 of 5 known then)" in out

    final = _mymedic("claims", "replay", "CLM-1", "--as-of", "2026-10-20T00:00", warehouse=wh)
    assert final.returncode == 0, final.stderr
    out = final.stdout
    # the late query sits between the submission and its answer; the NHCX settlement ends the claim
    table = out[out.index("Events (") :]
    sequence = [
        table.index(k)
        for k in ("claim_submitted", "query_raised", "query_answered", "approved_partial", "settled")
    ]
    assert sequence == sorted(sequence)
    assert "state: settled" in out and "nhcx" in out and "UTIB0000123456" in out
    for amount in ("₹1,10,000.00", "₹8,500.50", "₹1,08,900.00"):  # approved, deducted, paid
        assert amount in out, amount

    unknown = _mymedic("claims", "replay", "CLM-404", "--as-of", "2026-10-20T00:00", warehouse=wh)
    assert unknown.returncode == 1 and unknown.stdout == ""
    assert unknown.stderr == "error: no claim 'CLM-404' in the warehouse's claim events\n"
    bad = _mymedic("claims", "replay", "CLM-1", "--as-of", "15/10/2026 noon", warehouse=wh)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("error: --as-of '15/10/2026 noon' is not a date and time")


def test_every_claim_cloudevent_passes_the_platform_event_contract(tmp_path: Path) -> None:
    at = datetime(2026, 10, 10, 4, 30, tzinfo=UTC)
    rows = [
        claim_row(
            tenant_id=TENANT, source="tpa/raksha", sender="raksha", message_id=f"m{n}", claim_id="CLM-7",
            event_type=kind, event_time=at + timedelta(hours=n), message_time=at + timedelta(hours=n),
            branch_id="br_blr01" if n else "", requested_paise=100 if n == 0 else None, raw="{}",
        )
        for n, kind in enumerate(EVENT_TYPES)
    ]  # fmt: skip
    events = [e for n, row in enumerate(rows) for e in cloudevents(row, first=n == 0)]
    assert {e["type"] for e in events} == set(CLAIM_EVENT_TYPE_NAMES)  # every declared type, no other
    assert len({e["id"] for e in events}) == len(events) and cloudevents(rows[1]) == cloudevents(rows[1])
    path = tmp_path / "events" / "claims.ndjson"
    path.parent.mkdir()
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    booking_events = feed_named("booking_events")
    with open_warehouse(warehouse_settings(f"chdb://{tmp_path / 'wh'}")) as w:
        create_raw_tables(w)
        result = load_file(w, booking_events, path, LoadContext(TENANT), source="events/claims.ndjson")
        reasons = [r[0] for r in w.rows("select reason from raw.quarantine")]
    assert reasons == [] and result.conserved and result.rows_loaded == len(events)
