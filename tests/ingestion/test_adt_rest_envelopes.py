"""What `mymedic booking export-adt` writes into adt/fhir/rest/ loads through the adt_fhir feed: a kind
`adt_event` envelope (the platform's JSON ADT event) as one ADT event row, read with the model the route
accepted it with; a body that no longer passes, another tenant's envelope or an unknown kind is quarantined
with the reason, and the lines around it load."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.adt_fhir import FEED
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables

TENANT = "tnt_adt_rest"


def envelope(message_id: str, kind: str = "adt_event", tenant: str = TENANT, **body: Any) -> dict[str, Any]:
    event = {
        "message_id": message_id,
        "message_time": "2026-11-03T10:00:00",  # no offset: IST, as the route reads it
        "event_type": "A01",
        "event_time": "2026-11-03T09:58:00+05:30",
        "patient_ids": [
            {"id": "MRN77", "authority": "AROGYA", "type": "MR"},
            {"id": "91-7777-8888-9999", "authority": "https://healthid.ndhm.gov.in", "type": "ABHA"},
        ],
        "patient_name": "SHARMA^ASHA",
        "birth_date": "1980-05-17",
        "patient_class": "I",
        "visit_number": "V1001",
        "location": "W1^101^A",
        "admit_time": "2026-11-03T09:55:00+05:30",
        **body,
    }
    return {"tenant_id": tenant, "sender": "arogya_his", "message_id": message_id, "kind": kind,
            "received_at": "2026-11-03T04:30:01Z", "body": event}  # fmt: skip


def load(warehouse: Warehouse, tmp_path: Path, name: str, *lines: dict[str, Any]) -> Any:
    create_raw_tables(warehouse)
    path = tmp_path / "adt" / "fhir" / "rest" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert FEED.accepts(path)
    return load_file(warehouse, FEED, path, LoadContext(TENANT), source=name)


def reasons(warehouse: Warehouse, source: str) -> list[tuple[int, str]]:
    return warehouse.rows(
        f"select _source_line, reason from raw.quarantine where _source_file = '{source}' order by _source_line"
    )


def test_a_platform_adt_event_envelope_loads_as_its_adt_event(warehouse: Warehouse, tmp_path: Path) -> None:
    result = load(warehouse, tmp_path, "events.ndjson", envelope("MSG-1"), envelope("MSG-2", event_type="A03",
                  discharge_time="2026-11-05T11:00:00+05:30", discharge_disposition="01"))  # fmt: skip
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (2, 0), result.note
    rows = warehouse.rows(
        "select sender, message_id, event_type, message_time, event_time, mrn, abha_number, patient_name, "
        "birth_date, patient_class, visit_number, location, admit_time, discharge_time, discharge_disposition, "
        "hl7_version, JSONExtractString(patient_ids, 2, 'authority'), JSONExtractString(raw, 'kind') "
        f"from raw.adt_fhir_events where tenant_id = '{TENANT}' order by message_id"
    )
    common = ("MRN77", "91-7777-8888-9999", "SHARMA^ASHA", date(1980, 5, 17), "I", "V1001", "W1^101^A")
    admit = datetime(2026, 11, 3, 4, 25)
    assert [tuple(r) for r in rows] == [
        ("arogya_his", "MSG-1", "A01", datetime(2026, 11, 3, 4, 30), datetime(2026, 11, 3, 4, 28), *common,
         admit, None, "", "", "https://healthid.ndhm.gov.in", "adt_event"),
        ("arogya_his", "MSG-2", "A03", datetime(2026, 11, 3, 4, 30), datetime(2026, 11, 3, 4, 28), *common,
         admit, datetime(2026, 11, 5, 5, 30), "01", "", "https://healthid.ndhm.gov.in", "adt_event"),
    ]  # fmt: skip
    again = load(warehouse, tmp_path, "events-again.ndjson", envelope("MSG-1"))
    # stored once per (tenant, sender, message id)
    assert (again.rows_loaded, again.rows_quarantined) == (0, 0)


def test_envelopes_that_cannot_be_read_are_quarantined_with_the_reason(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    bad_event = envelope("BAD-1", event_type="A99")
    no_patient = envelope("BAD-2", patient_ids=[])
    edited = envelope("BAD-3")
    edited["body"]["message_id"] = "OTHER"
    far = envelope("BAD-4", admit_time="2399-01-01T00:00:00+00:00")
    other_tenant = envelope("BAD-5", tenant="tnt_someone_else")
    unknown = envelope("BAD-6", kind="hl7")
    result = load(warehouse, tmp_path, "bad.ndjson", envelope("OK-1"), bad_event, no_patient, edited, far,
                  other_tenant, unknown)  # fmt: skip
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (1, 6)
    got = reasons(warehouse, "bad.ndjson")
    assert [line for line, _ in got] == [2, 3, 4, 5, 6, 7]
    expected = [
        "REST ADT event 'BAD-1' is not a valid platform ADT event: body.event_type: Input should be",
        "REST ADT event 'BAD-2' is not a valid platform ADT event: body: an ADT event needs the patient's mrn",
        "REST ADT event 'BAD-3': the body's message_id 'OTHER' is not the envelope's",
        "admit_time 2399-01-01T00:00:00+00:00 is outside 1900..2299",
        "a REST ADT envelope of tenant 'tnt_someone_else' (message 'BAD-5') in a load for tenant 'tnt_adt_rest'",
        "a REST ADT envelope of kind 'hl7' (message 'BAD-6'); expected one of 'fhir', 'adt_event'",
    ]
    for (_, reason), start in zip(got, expected, strict=True):
        assert start in reason, reason
