"""POST /v1/adt/events on the real app and database (SQLite and PostgreSQL): a HIS pushes FHIR Encounters and
the platform's JSON ADT events with its tenant's ADT key; each is stored (with its audit row) before the 202,
once per message id; `mymedic booking export-adt` writes them as NDJSON where the adt_fhir feed reads them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from booking_harness import KEYS, START, TENANT, StaffKeys, make_config
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from booking.api.app import create_app
from booking.domain.clock import ManualClock
from booking.infra.models import AdtInboundEvent, AuditEvent
from booking.integrations.adt_payloads import AdtEvent
from booking.settings import hash_api_key
from core.warehouse import Warehouse
from ingestion.adt_event import ADT_EVENT_COLUMNS
from ingestion.feeds import LoadContext
from ingestion.feeds.adt_fhir import FEED as ADT_FHIR
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables
from mymedic.cli import app as cli

ADT_KEY = "adt_arogya_his_0123456789abcdef"
URL = "/v1/adt/events"


def adt_config(staff_keys: StaffKeys, **adt: Any):
    return make_config(staff_keys, adt={"api_keys": [{"key_id": "his", "sha256": hash_api_key(ADT_KEY)}],
                                        "sender": "arogya_his", **adt})  # fmt: skip


@pytest.fixture
def client(db_url: str, staff_keys: StaffKeys) -> Iterator[TestClient]:
    with TestClient(create_app(adt_config(staff_keys), db_url=db_url, clock=ManualClock(START))) as http:
        yield http


def event(message_id: str = "MSG-1", **fields: Any) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "message_time": "2026-11-03T10:00:00",  # no offset: IST
        "event_type": "A01",
        "patient_ids": [{"id": "MRN77", "authority": "AROGYA", "type": "MR"}],
        "mrn": "MRN77",
        "patient_name": "SHARMA^ASHA",
        "patient_class": "I",
        "visit_number": "V1001",
        "admit_time": "2026-11-03T09:55:00+05:30",
        **fields,
    }


def encounter(version: str | None = "1", *, patient: bool = True) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": "enc-9",
        "identifier": [{"value": "IP-2026-0009"}],
        "status": "in-progress",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
        "subject": {"reference": "#pat"},
        "statusHistory": [{"status": "arrived", "period": {"start": "2026-11-03T09:50:00+05:30"}}],
    }
    if version:
        resource["meta"] = {"versionId": version}
    if patient:
        resource["contained"] = [{"resourceType": "Patient", "id": "pat", "identifier": [{"value": "MRN77"}]}]
    return resource


def post(client: TestClient, body: Any, key: str | None = ADT_KEY) -> Any:
    headers = {"X-API-Key": key} if key else {}
    return client.post(
        URL, content=json.dumps(body).encode(), headers={**headers, "Content-Type": "application/json"}
    )


def stored(db_url: str) -> list[AdtInboundEvent]:
    engine = create_engine(db_url)
    try:
        with Session(engine) as s:
            return list(s.scalars(select(AdtInboundEvent).order_by(AdtInboundEvent.seq)))
    finally:
        engine.dispose()


def test_the_platform_event_has_the_shared_adt_event_fields() -> None:
    filled_by_the_platform = {"tenant_id", "sender", "hl7_version", "raw"}
    assert set(AdtEvent.model_fields) == {c.name for c in ADT_EVENT_COLUMNS} - filled_by_the_platform


def test_a_pushed_event_is_stored_before_202_and_a_resend_is_stored_once(
    client: TestClient, db_url: str
) -> None:
    first = post(client, event())
    assert first.status_code == 202, first.text
    assert first.json() == {"status": "stored", "message_id": "MSG-1", "sender": "arogya_his"}
    (row,) = stored(db_url)
    assert (row.tenant_id, row.sender, row.kind) == (TENANT, "arogya_his", "adt_event")
    assert json.loads(row.body) == event()  # as received

    again = post(client, event(patient_name="CHANGED"))  # the same message id again: the first is kept
    assert again.status_code == 202 and again.json()["status"] == "duplicate"
    assert len(stored(db_url)) == 1 and json.loads(stored(db_url)[0].body) == event()

    engine = create_engine(db_url)
    try:
        with Session(engine) as s:
            (audit,) = s.scalars(select(AuditEvent).where(AuditEvent.action == "adt.received"))
    finally:
        engine.dispose()
    assert (audit.actor, audit.entity_id) == ("adt_key:his", "MSG-1")
    assert "SHARMA" not in (audit.after or "") and "MRN77" not in (audit.after or "")  # no PHI in the audit


def test_fhir_encounters_with_their_patient_are_accepted_as_encounter_or_bundle(
    client: TestClient, db_url: str
) -> None:
    single = post(client, encounter("1"))
    assert single.status_code == 202, single.text
    assert single.json()["message_id"] == "Encounter/enc-9/_history/1"
    resource = encounter("2", patient=False)
    resource["subject"] = {"reference": "Patient/pat"}
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": resource}, {"resource": {"resourceType": "Patient", "id": "pat"}}],
    }
    assert post(client, bundle).json() == {"status": "stored", "message_id": "Encounter/enc-9/_history/2",
                                           "sender": "arogya_his"}  # fmt: skip
    assert [r.kind for r in stored(db_url)] == ["fhir", "fhir"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (encounter(version=None), "meta.versionId"),
        (encounter(patient=False), "Patient is missing"),
        ({"resourceType": "Observation", "status": "final"}, "resourceType 'Observation' is not accepted"),
        (
            {"resourceType": "Encounter", "status": "planned", "class": "IMP"},
            "not a valid FHIR R4 Encounter",
        ),
        (event(mrn="", patient_ids=[]), "mrn or patient_ids"),
        (event(event_type="A99"), "event_type"),
        (event(event_type="A40"), "merged_mrn"),
        (event(message_id="has space"), "message_id"),
        ([event()], "JSON object"),
    ],
)
def test_a_body_it_cannot_accept_is_400_naming_the_problem_and_nothing_is_stored(
    client: TestClient, db_url: str, body: Any, says: str
) -> None:
    answer = post(client, body)
    assert answer.status_code == 400 and says in answer.json()["detail"], answer.text
    assert stored(db_url) == []


def test_only_the_tenants_adt_key_from_an_allowed_address_may_push(
    client: TestClient, db_url: str, staff_keys: StaffKeys
) -> None:
    assert post(client, event(), key=None).status_code == 401
    assert post(client, event(), key=KEYS[TENANT]).status_code == 401  # a portal key is not an ADT key
    assert post(client, event(), key="adt_guess_0000").status_code == 401
    narrow = adt_config(staff_keys, ip_allowlist=["10.0.0.0/8"])
    with TestClient(create_app(narrow, db_url=db_url, clock=ManualClock(START))) as other:
        assert post(other, event()).status_code == 403  # the test client is not in 10.0.0.0/8
    assert post(client, {"pad": "p" * 300_000}).status_code == 413  # the service's body limit
    assert stored(db_url) == []


def test_an_adt_key_that_is_also_a_portal_key_is_refused_when_the_config_loads(staff_keys: StaffKeys) -> None:
    with pytest.raises(ValueError, match="is also a portal key"):
        make_config(staff_keys, adt={"api_keys": [{"key_id": "his", "sha256": hash_api_key(KEYS[TENANT])}]})


def test_export_adt_writes_ndjson_envelopes_the_adt_fhir_feed_reads(
    client: TestClient, db_url: str, tmp_path: Path, warehouse: Warehouse
) -> None:
    assert post(client, event()).status_code == 202
    assert post(client, encounter("1")).status_code == 202
    out = tmp_path / "data" / "adt" / "fhir" / "rest"
    runner = CliRunner()
    result = runner.invoke(cli, ["booking", "export-adt", "--out", str(out), "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "Exported 2 ADT event(s) into 1 file(s)" in result.output
    (path,) = sorted(out.glob("*.ndjson"))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(x["tenant_id"], x["sender"], x["message_id"], x["kind"]) for x in lines] == [
        (TENANT, "arogya_his", "MSG-1", "adt_event"),
        (TENANT, "arogya_his", "Encounter/enc-9/_history/1", "fhir"),
    ]
    assert lines[0]["body"] == event() and lines[1]["body"] == encounter("1")
    assert lines[0]["received_at"].endswith("Z")
    assert ADT_FHIR.files(tmp_path / "data") == [path] and ADT_FHIR.accepts(path)  # where the feed reads

    # loaded by the real adt_fhir feed: the FHIR envelope's Encounter becomes its events and the platform's
    # JSON event its one event, both under the REST sender.
    # (Once: the warehouse is the session's, and both backends export byte-identical files.)
    if db_url.startswith("sqlite"):
        assert_loads_from_the_export(warehouse, path)

    again = runner.invoke(cli, ["booking", "export-adt", "--out", str(out), "--db", db_url])
    assert again.exit_code == 0 and "No new ADT events" in again.output
    assert all(r.exported_at is not None for r in stored(db_url))


def assert_loads_from_the_export(warehouse: Warehouse, path: Path) -> None:
    create_raw_tables(warehouse)
    loaded = load_file(warehouse, ADT_FHIR, path, LoadContext(TENANT), source=path.name)
    assert loaded.conserved and loaded.rows_loaded >= 2 and loaded.rows_quarantined == 0, loaded.note
    senders = warehouse.rows(
        f"select distinct sender, JSONExtractString(patient_ids, 1, 'id') from raw.adt_fhir_events where tenant_id = '{TENANT}'"
    )
    assert [tuple(r) for r in senders] == [("arogya_his", "MRN77")]
    platform = warehouse.rows(
        f"select event_type, visit_number from raw.adt_fhir_events where tenant_id = '{TENANT}' and message_id = 'MSG-1'"
    )
    assert [tuple(r) for r in platform] == [("A01", "V1001")]
