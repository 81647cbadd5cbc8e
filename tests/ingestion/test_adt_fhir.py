"""FHIR R4 Encounter + Patient (Bundle or NDJSON) as ADT events: status, class and location history become
the HL7 trigger events; bad resources are quarantined with the FHIR path; re-loading adds nothing."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.adt_fhir import FEED
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables
from tests.support.adt_scenario import fhir_bundle, patient_resource

TENANT = "tnt_adt_fhir"
ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


def _emerg() -> dict[str, Any]:
    """Shaped as the R4 spec's Encounter example "emerg" (an emergency visit that became an admission), with
    R4's onleave for the pause, its history in time order, a visit number and an attending doctor."""
    return {
        "resourceType": "Encounter",
        "id": "emerg",
        "meta": {"versionId": "7", "lastUpdated": "2017-02-01T13:00:00+10:00", "source": "urn:his:emerg"},
        "text": {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">Emergency visit</div>'},
        "identifier": [{"use": "official", "system": "urn:his:visit", "value": "E-2017-42"}],
        "status": "in-progress",
        "statusHistory": [
            {"status": "planned", "period": {"start": "2017-02-01T07:15:00+10:00", "end": "2017-02-01T08:45:00+10:00"}},
            {"status": "in-progress", "period": {"start": "2017-02-01T08:45:00+10:00", "end": "2017-02-01T12:15:00+10:00"}},
            {"status": "onleave", "period": {"start": "2017-02-01T12:15:00+10:00", "end": "2017-02-01T12:45:00+10:00"}},
            {"status": "in-progress", "period": {"start": "2017-02-01T12:45:00+10:00"}},
        ],
        "class": {"system": ACT, "code": "IMP", "display": "inpatient encounter"},
        "classHistory": [
            {"class": {"system": ACT, "code": "EMER", "display": "emergency"},
             "period": {"start": "2017-02-01T07:15:00+10:00", "end": "2017-02-01T09:27:00+10:00"}},
            {"class": {"system": ACT, "code": "IMP", "display": "inpatient encounter"},
             "period": {"start": "2017-02-01T09:27:00+10:00"}},
        ],
        "subject": {"reference": "Patient/example"},
        "participant": [
            {"type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "ATND"}]}],
             "individual": {"reference": "Practitioner/dr-7"}},
        ],
        "period": {"start": "2017-02-01T07:15:00+10:00"},
        "hospitalization": {"admitSource": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/admit-source", "code": "emd"}]}},
        "location": [
            {"location": {"display": "Emergency Waiting Room"}, "status": "active",
             "period": {"start": "2017-02-01T07:15:00+10:00", "end": "2017-02-01T08:45:00+10:00"}},
            {"location": {"display": "Emergency"}, "status": "active",
             "period": {"start": "2017-02-01T08:45:00+10:00", "end": "2017-02-01T09:27:00+10:00"}},
            {"location": {"display": "Ward 1, Room 42, Bed 1"}, "status": "active",
             "period": {"start": "2017-02-01T09:27:00+10:00", "end": "2017-02-01T12:15:00+10:00"}},
            {"location": {"display": "Ward 1, Room 42, Bed 1"}, "status": "reserved",
             "period": {"start": "2017-02-01T12:15:00+10:00", "end": "2017-02-01T12:45:00+10:00"}},
            {"location": {"display": "Ward 1, Room 42, Bed 1"}, "status": "active",
             "period": {"start": "2017-02-01T12:45:00+10:00"}},
        ],
    }  # fmt: skip


def _patient(resource_id: str = "example") -> dict[str, Any]:
    return patient_resource(resource_id=resource_id)


def _ndjson(*resources: dict[str, Any]) -> str:
    return "".join(json.dumps(r) + "\n" for r in resources)


def _events(warehouse: Warehouse, where: str) -> list[tuple[Any, ...]]:
    return warehouse.rows(
        "select message_id, event_type, event_time, patient_class, location, prior_location, admit_time, sender, "
        f"attending_doctor, visit_number from raw.adt_fhir_events where tenant_id = '{TENANT}' and {where} "
        "order by message_id"
    )


def test_status_class_and_location_history_become_hl7_events(warehouse: Warehouse, tmp_path: Path) -> None:
    create_raw_tables(warehouse)
    path = tmp_path / "adt" / "fhir" / "emerg.ndjson"
    path.parent.mkdir(parents=True)
    path.write_text(_ndjson(_patient(), _emerg()))
    result = load_file(warehouse, FEED, path, LoadContext(TENANT), source="emerg.ndjson")
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (4, 0)
    assert "Patient resource" in result.note  # the Patient is the file's frame, not an event
    ev = "E-2017-42"
    start, at = datetime(2017, 1, 31, 21, 15), datetime(2017, 1, 31, 23, 27)
    rows = _events(warehouse, f"visit_number = '{ev}'")
    assert {r[7:] for r in rows} == {("urn:his:emerg", "dr-7", ev)}  # sender, attending doctor, visit
    assert [r[:7] for r in rows] == [
        # planned -> pre-admit, still in the waiting room
        ("emerg/_history/7#1", "A05", start, "E", "Emergency Waiting Room", "", None),
        # in-progress as an emergency -> registered (A04), in Emergency (the place changed at that moment)
        ("emerg/_history/7#2", "A04", datetime(2017, 1, 31, 22, 45), "E", "Emergency", "", start),
        # EMER -> IMP: outpatient to inpatient (A06), then the transfer to the ward (A02)
        ("emerg/_history/7#3", "A06", at, "I", "Emergency", "", start),
        ("emerg/_history/7#4", "A02", at, "I", "Ward 1, Room 42, Bed 1", "Emergency", start),
    ]  # onleave and back, and the reserved bed, give no event
    person = warehouse.rows(
        "select mrn, abha_number, patient_name, birth_date, sex from raw.adt_fhir_events "
        f"where visit_number = '{ev}' limit 1"
    )
    assert person == [("M1001", "91-1111-2222-3333", "Sharma^Asha", date(1980, 5, 17), "F")]
    again = load_file(warehouse, FEED, path, LoadContext(TENANT), source="emerg.ndjson")
    assert again.rows_loaded == 0


def test_discharge_cancel_and_undo_map_to_a03_a11_a13(warehouse: Warehouse, tmp_path: Path) -> None:
    create_raw_tables(warehouse)
    undone = _emerg() | {"id": "undone", "status": "in-progress", "meta": {"versionId": "2"}}
    undone["identifier"] = [{"value": "E-UNDONE"}]
    undone["classHistory"] = []
    undone["class"] = {"system": ACT, "code": "IMP"}
    undone["location"] = []
    undone["statusHistory"] = [
        {"status": "in-progress", "period": {"start": "2026-10-02T10:00:00+05:30"}},
        {"status": "finished", "period": {"start": "2026-10-04T10:00:00+05:30"}},
        {"status": "in-progress", "period": {"start": "2026-10-04T10:30:00+05:30"}},
    ]
    cancelled = copy.deepcopy(undone) | {"id": "cancelled", "status": "cancelled"}
    cancelled["identifier"] = [{"value": "E-CANCELLED"}]
    cancelled["statusHistory"] = [
        {"status": "arrived", "period": {"start": "2026-10-02T10:00:00+05:30"}},
        {"status": "cancelled", "period": {"start": "2026-10-02T10:20:00+05:30"}},
    ]
    cancelled["class"] = {"system": ACT, "code": "AMB"}
    path = tmp_path / "adt" / "fhir" / "more.ndjson"
    path.parent.mkdir(parents=True)
    path.write_text(_ndjson(_patient(), undone, cancelled))
    result = load_file(warehouse, FEED, path, LoadContext(TENANT), source="more.ndjson")
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (5, 0)
    rows = warehouse.rows(
        "select visit_number, event_type, discharge_time from raw.adt_fhir_events where tenant_id = "
        f"'{TENANT}' and visit_number in ('E-CANCELLED', 'E-UNDONE') order by visit_number, message_id"
    )
    assert rows == [
        ("E-CANCELLED", "A04", None),  # arrived as an outpatient: registered
        ("E-CANCELLED", "A11", None),  # cancelled: the visit is cancelled
        ("E-UNDONE", "A01", None),
        ("E-UNDONE", "A03", datetime(2026, 10, 4, 4, 30)),  # finished
        ("E-UNDONE", "A13", None),  # in progress again: the discharge is cancelled
    ]


def test_a_bundle_loads_its_encounters_and_quarantines_bad_resources_with_the_path(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    create_raw_tables(warehouse)
    bundle = fhir_bundle()
    good = bundle["entry"][1]["resource"]
    no_offset = copy.deepcopy(good) | {"id": "no-offset"}
    no_offset["period"] = {"start": "2026-10-01T09:30:00"}
    bad_status = copy.deepcopy(good) | {"id": "bad-status", "status": "done"}
    not_a_list = copy.deepcopy(good) | {"id": "not-a-list", "statusHistory": {"status": "arrived"}}
    no_class = {k: v for k, v in good.items() if k != "class"} | {"id": "no-class"}
    orphan = copy.deepcopy(good) | {"id": "orphan", "subject": {"reference": "Patient/nobody"}}
    no_status = {k: v for k, v in good.items() if k != "status"} | {"id": "no-status"}
    bundle["entry"] += [
        {
            "resource": {
                "resourceType": "Observation",
                "id": "o1",
                "status": "final",
                "code": {"text": "pulse"},
            }
        },
        {"resource": no_offset},
        {"resource": bad_status},
        {"resource": not_a_list},
        {"resource": no_class},
        {"resource": orphan},
        {"fullUrl": "urn:uuid:empty"},
        {"resource": no_status},
    ]
    path = tmp_path / "adt" / "fhir" / "bundle.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(bundle))
    result = load_file(warehouse, FEED, path, LoadContext(TENANT), source="bundle.json")
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (5, 7)
    assert "Observation resource" in result.note
    reasons = dict(
        warehouse.rows("select _source_line, reason from raw.quarantine where _source_file = 'bundle.json'")
    )
    assert "Encounter/no-offset is not valid FHIR R4: Encounter.period.start" in reasons[5]
    assert "Encounter.status 'done' is not one of planned" in reasons[6]
    assert "Encounter.statusHistory: Input should be a valid list" in reasons[7]
    assert "Encounter.class: Field required" in reasons[8]
    assert "subject Patient/nobody is not a Patient in this file" in reasons[9]
    assert "Bundle.entry[9] has no resource object" in reasons[10]
    assert (
        "Encounter/no-status is not valid FHIR R4: Encounter.status: Value for the field 'status' is required"
        in reasons[11]
    )
    ids = [
        r[0]
        for r in warehouse.rows(
            "select message_id from raw.adt_fhir_events where _source_file = 'bundle.json' order by message_id"
        )
    ]
    assert ids == [f"ip-2026-0007/_history/3#{n}" for n in (1, 2, 3)] + [
        f"op-2026-0001/_history/3#{n}" for n in (1, 2)
    ]

    # The same resources again, as NDJSON in another file: every event is a duplicate, nothing is added.
    resources = [e["resource"] for e in fhir_bundle()["entry"]]
    again = path.with_name("bundle_again.ndjson")
    again.write_text(_ndjson(*resources))
    repeat = load_file(warehouse, FEED, again, LoadContext(TENANT), source="bundle_again.ndjson")
    assert repeat.conserved and (repeat.rows_loaded, repeat.rows_quarantined) == (0, 0)


def test_a_file_that_is_not_a_fhir_bundle_is_rejected(warehouse: Warehouse, tmp_path: Path) -> None:
    create_raw_tables(warehouse)
    folder = tmp_path / "adt" / "fhir"
    folder.mkdir(parents=True)
    (folder / "broken.json").write_text('{"resourceType": "Bundle", "entry": [')
    (folder / "obs.json").write_text('{"resourceType": "Observation", "id": "x"}')
    broken = load_file(warehouse, FEED, folder / "broken.json", LoadContext(TENANT), source="broken.json")
    assert broken.status == "rejected" and broken.note.startswith("not JSON")
    obs = load_file(warehouse, FEED, folder / "obs.json", LoadContext(TENANT), source="obs.json")
    assert obs.status == "rejected" and "expected a Bundle, an Encounter or a Patient" in obs.note
    lines = folder / "lines.ndjson"
    lines.write_text(_ndjson(_patient("p9")) + "{not json\n" + "[1]\n")
    result = load_file(warehouse, FEED, lines, LoadContext(TENANT), source="lines.ndjson")
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (0, 2)


def test_a_changed_resource_under_a_loaded_version_is_quarantined_once_per_event(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """Its events share the resource's position: each conflicting event is one quarantine row (the loader
    matches a verdict to its record by position and key), and nothing of it is loaded."""
    create_raw_tables(warehouse)
    folder = tmp_path / "adt" / "fhir"
    folder.mkdir(parents=True)
    bundle = fhir_bundle()
    bundle["entry"] = bundle["entry"][:1] + bundle["entry"][2:]  # the Patient and the admission
    (folder / "v3.json").write_text(json.dumps(bundle))
    first = load_file(warehouse, FEED, folder / "v3.json", LoadContext("tnt_changed"), source="v3.json")
    assert (first.rows_loaded, first.rows_quarantined) == (3, 0)
    bundle["entry"][1]["resource"]["meta"]["lastUpdated"] = "2026-10-06T10:00:00+05:30"  # versionId kept
    (folder / "v3_changed.json").write_text(json.dumps(bundle))
    changed = load_file(
        warehouse, FEED, folder / "v3_changed.json", LoadContext("tnt_changed"), source="v3_changed.json"
    )
    assert changed.conserved and (changed.rows_loaded, changed.rows_quarantined) == (0, 3)
    quarantined = warehouse.rows(
        "select _source_line, count(), any(reason) from raw.quarantine where _source_file = 'v3_changed.json' "
        "group by _source_line"
    )
    assert len(quarantined) == 1 and quarantined[0][:2] == (2, 3)
    assert "was loaded before from v3.json line 2 with different values" in quarantined[0][2]
    # A new version is new events (telling versions of one visit apart is for the ADT event models).
    bundle["entry"][1]["resource"]["meta"]["versionId"] = "4"
    (folder / "v4.json").write_text(json.dumps(bundle))
    v4 = load_file(warehouse, FEED, folder / "v4.json", LoadContext("tnt_changed"), source="v4.json")
    assert (v4.rows_loaded, v4.rows_quarantined) == (3, 0)


def test_a_single_encounter_with_its_patient_contained_loads(warehouse: Warehouse, tmp_path: Path) -> None:
    """One Encounter per file with its Patient contained (`subject: #id`), as a REST push may store it."""
    create_raw_tables(warehouse)
    encounter = fhir_bundle()["entry"][1]["resource"] | {"subject": {"reference": "#pat"}}
    encounter["contained"] = [_patient("pat")]
    folder = tmp_path / "adt" / "fhir" / "rest"
    folder.mkdir(parents=True)
    (folder / "push-1.json").write_text(json.dumps(encounter))
    result = load_file(
        warehouse, FEED, folder / "push-1.json", LoadContext("tnt_rest"), source="rest/push-1.json"
    )
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (2, 0)
    rows = warehouse.rows(
        "select event_type, mrn, abha_number from raw.adt_fhir_events where tenant_id = 'tnt_rest' order by message_id"
    )
    assert rows == [("A04", "M1001", "91-1111-2222-3333"), ("A03", "M1001", "91-1111-2222-3333")]
    encounter["subject"] = {"reference": "#someone-else"}
    (folder / "push-2.json").write_text(json.dumps(encounter))
    result = load_file(
        warehouse, FEED, folder / "push-2.json", LoadContext("tnt_rest"), source="rest/push-2.json"
    )
    assert result.rows_quarantined == 1
    reason = warehouse.scalar("select reason from raw.quarantine where _source_file = 'rest/push-2.json'")
    assert "its subject #someone-else is not a Patient in this file" in reason
