"""One small hospital scenario written in each ADT wire format, for tests that the formats give the same
ADT event rows (issue 11: "all three wire formats give the same fct_patient_episodes").

One patient (MRN and ABHA): an OPD visit (A04 registration, A03 end of visit), then an admission (A01), a
transfer (A02) and a discharge (A03). `write_csv`, `write_fhir` and `write_hl7` put it in a data directory
where the adt_csv, adt_fhir and adt_hl7 feeds read it; `expected_rows` is what each must load, compared on
`COMPARED` (every ADT event column but the wire-specific raw, message_id, sender and hl7_version).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.warehouse import Warehouse
from ingestion.adt_event import ADT_EVENT_COLUMNS

IST = ZoneInfo("Asia/Kolkata")
COMPARED: tuple[str, ...] = tuple(
    c.name for c in ADT_EVENT_COLUMNS if c.name not in {"raw", "message_id", "sender", "hl7_version"}
)
ABHA_SYSTEM = "https://healthid.ndhm.gov.in"


@dataclass(frozen=True)
class Patient:
    mrn: str = "M1001"
    mrn_authority: str = "HIS"
    abha: str = "91-1111-2222-3333"
    family: str = "Sharma"
    given: str = "Asha"
    birth_date: date = date(1980, 5, 17)
    sex: str = "F"  # HL7 table 0001


@dataclass(frozen=True)
class Event:
    code: str  # A01, A02, A03, A04
    visit: str
    patient_class: str  # I or O
    at: datetime  # IST, no offset (as an HIS writes it)
    location: str
    department: str
    doctor: str
    admit: datetime
    prior_location: str = ""
    discharge: datetime | None = None
    disposition: str = ""


PATIENT = Patient()
_OPD = {
    "visit": "OP-2026-0001",
    "patient_class": "O",
    "department": "GEN",
    "doctor": "D01",
    "location": "OPD-1",
}
_IPD = {"visit": "IP-2026-0007", "patient_class": "I", "department": "MED", "doctor": "D02"}
EVENTS: tuple[Event, ...] = (
    Event("A04", at=datetime(2026, 10, 1, 9, 30), admit=datetime(2026, 10, 1, 9, 30), **_OPD),
    Event(
        "A03", at=datetime(2026, 10, 1, 10, 15), admit=datetime(2026, 10, 1, 9, 30),
        discharge=datetime(2026, 10, 1, 10, 15), **_OPD,
    ),
    Event("A01", at=datetime(2026, 10, 2, 14, 0), admit=datetime(2026, 10, 2, 14, 0), location="WARD-3", **_IPD),
    Event(
        "A02", at=datetime(2026, 10, 3, 8, 0), admit=datetime(2026, 10, 2, 14, 0), location="ICU-1",
        prior_location="WARD-3", **_IPD,
    ),
    Event(
        "A03", at=datetime(2026, 10, 5, 11, 0), admit=datetime(2026, 10, 2, 14, 0), location="ICU-1",
        discharge=datetime(2026, 10, 5, 11, 0), disposition="home", **_IPD,
    ),
)  # fmt: skip


def _utc(moment: datetime | None) -> datetime | None:
    """An IST wall time as the warehouse returns a UTC time (naive)."""
    return moment.replace(tzinfo=IST).astimezone(UTC).replace(tzinfo=None) if moment is not None else None


def expected_rows(tenant_id: str, patient: Patient = PATIENT) -> list[dict[str, Any]]:
    """The ADT event rows every wire format must load for the scenario, on `COMPARED`, as `loaded_rows`
    gives them (times naive UTC, patient_ids parsed)."""
    ids = [
        {"id": patient.mrn, "authority": patient.mrn_authority, "type": "MR"},
        {"id": patient.abha, "authority": ABHA_SYSTEM, "type": "ABHA"},
    ]
    rows = [
        {
            "tenant_id": tenant_id,
            "message_time": _utc(e.at),
            "event_type": e.code,
            "event_time": _utc(e.at),
            "patient_ids": ids,
            "mrn": patient.mrn,
            "abha_number": patient.abha,
            "patient_name": f"{patient.family}^{patient.given}",
            "birth_date": patient.birth_date,
            "sex": patient.sex,
            "patient_class": e.patient_class,
            "visit_number": e.visit,
            "location": e.location,
            "prior_location": e.prior_location,
            "department": e.department,
            "attending_doctor": e.doctor,
            "admit_time": _utc(e.admit),
            "discharge_time": _utc(e.discharge),
            "discharge_disposition": e.disposition,
            "merged_mrn": "",
        }
        for e in EVENTS
    ]
    return sorted(rows, key=lambda r: (r["visit_number"], r["event_time"], r["event_type"]))


def loaded_rows(warehouse: Warehouse, table: str, tenant_id: str) -> list[dict[str, Any]]:
    """The rows of one ADT raw table (raw.adt_hl7_events, adt_csv_events, adt_fhir_events) for a tenant, on
    `COMPARED`, in event order (visit, event time, event type), patient_ids parsed from its JSON."""
    names = ", ".join(f"`{c}`" for c in COMPARED)
    rows = warehouse.rows(
        f"select {names} from raw.`{table}` where tenant_id = {{tenant:String}} "
        "order by visit_number, event_time, event_type",
        {"tenant": tenant_id},
    )
    out = [dict(zip(COMPARED, row, strict=True)) for row in rows]
    for row in out:
        row["patient_ids"] = json.loads(row["patient_ids"])
    return out


# --- CSV (the built-in example_his mapping) ------------------------------------------------------------

_CSV_HEADER = (
    "Txn No,Entered On,Event Time,Action,Visit Type,Visit No,UHID,ABHA No,Patient Name,DOB,Gender,"
    "Ward/Bed,From Ward/Bed,Dept Code,Doctor Code,Admitted On,Discharged On,Discharge Status"
)
_ACTION = {"A01": "A", "A04": "A", "A02": "T", "A03": "D"}
_GENDER = {"F": "Female", "M": "Male", "O": "Other", "U": "Unknown"}


def _dmy(moment: datetime | None) -> str:
    return moment.strftime("%d/%m/%Y %H:%M") if moment is not None else ""


def csv_text(patient: Patient = PATIENT) -> str:
    lines = [_CSV_HEADER]
    for n, e in enumerate(EVENTS, start=1):
        cells = [
            f"TX{n:05d}", _dmy(e.at), _dmy(e.at), _ACTION[e.code], "IPD" if e.patient_class == "I" else "OPD",
            e.visit, patient.mrn, patient.abha, f"{patient.family}^{patient.given}",
            patient.birth_date.strftime("%d/%m/%Y"), _GENDER[patient.sex], e.location, e.prior_location,
            e.department, e.doctor, _dmy(e.admit), _dmy(e.discharge), e.disposition,
        ]  # fmt: skip
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def write_csv(data_dir: Path, patient: Patient = PATIENT) -> Path:
    """adt/csv/example_his/scenario.csv (read with the built-in example_his mapping)."""
    path = data_dir / "adt" / "csv" / "example_his" / "scenario.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(csv_text(patient))
    return path


# --- FHIR R4 (a Bundle of the Patient and one Encounter per visit) -------------------------------------


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=IST).isoformat()


def _encounter(visit: str, events: list[Event], patient_ref: str) -> dict[str, Any]:
    admit, last = events[0], events[-1]
    finished = last.code == "A03"
    stays = [e for e in events if e.code in ("A01", "A04", "A02")]
    locations = []
    for i, e in enumerate(stays):
        end = stays[i + 1].at if i + 1 < len(stays) else last.discharge
        period = {"start": _iso(e.at), **({"end": _iso(end)} if end is not None else {})}
        locations.append(
            {
                "location": {"reference": f"Location/{e.location}"},
                "status": "completed" if end else "active",
                "period": period,
            }
        )
    inpatient = admit.patient_class == "I"
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": visit.lower(),
        "meta": {"versionId": "3" if finished else "1", "lastUpdated": _iso(last.at)},
        "identifier": [{"use": "official", "system": "https://his.example.in/visit", "value": visit}],
        "status": "finished" if finished else "in-progress",
        "statusHistory": [
            {
                "status": "in-progress",
                "period": {"start": _iso(admit.at), **({"end": _iso(last.at)} if finished else {})},
            }
        ],
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": "IMP" if inpatient else "AMB",
            "display": "inpatient encounter" if inpatient else "ambulatory",
        },
        "subject": {"reference": patient_ref},
        "participant": [
            {
                "type": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                "code": "ATND",
                                "display": "attender",
                            }
                        ]
                    }
                ],
                "individual": {"reference": f"Practitioner/{admit.doctor}"},
            }
        ],
        "period": {"start": _iso(admit.admit), **({"end": _iso(last.at)} if finished else {})},
        "location": locations,
        "serviceProvider": {"reference": f"Organization/{admit.department}"},
    }
    if last.disposition:
        resource["hospitalization"] = {
            "dischargeDisposition": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/discharge-disposition",
                        "code": last.disposition,
                    }
                ]
            }
        }
    return resource


def patient_resource(patient: Patient = PATIENT, resource_id: str = "p1") -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": resource_id,
        "identifier": [
            {
                "use": "usual",
                "type": {
                    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]
                },
                "system": "https://his.example.in/uhid",
                "value": patient.mrn,
                "assigner": {"display": patient.mrn_authority},
            },
            {"system": ABHA_SYSTEM, "value": patient.abha},
        ],
        "name": [{"use": "official", "family": patient.family, "given": [patient.given]}],
        "gender": {"F": "female", "M": "male", "O": "other", "U": "unknown"}[patient.sex],
        "birthDate": patient.birth_date.isoformat(),
    }


def fhir_bundle(patient: Patient = PATIENT) -> dict[str, Any]:
    visits: dict[str, list[Event]] = {}
    for e in EVENTS:
        visits.setdefault(e.visit, []).append(e)
    entries = [{"fullUrl": "https://his.example.in/fhir/Patient/p1", "resource": patient_resource(patient)}]
    entries += [
        {
            "fullUrl": f"https://his.example.in/fhir/Encounter/{visit.lower()}",
            "resource": _encounter(visit, events, "Patient/p1"),
        }
        for visit, events in visits.items()
    ]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def write_fhir(data_dir: Path, patient: Patient = PATIENT) -> Path:
    """adt/fhir/scenario.json: a Bundle of the Patient and its two Encounters."""
    path = data_dir / "adt" / "fhir" / "scenario.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(fhir_bundle(patient), indent=2))
    return path


# --- HL7 v2.5 (one message per event, segments ended by CR) --------------------------------------------


def _ts(moment: datetime | None) -> str:
    return moment.strftime("%Y%m%d%H%M") + "+0530" if moment is not None else ""


def hl7_text(patient: Patient = PATIENT) -> str:
    """The scenario as HL7 v2.5 ADT messages (MSH, EVN, PID, PV1), times with the IST offset."""
    messages = []
    for n, e in enumerate(EVENTS, start=1):
        structure = "ADT_A01" if e.code in ("A01", "A04") else f"ADT_{e.code}"
        segments = [
            f"MSH|^~\\&|EXAMPLEHIS|HOSP1|MYMEDIC|MYMEDIC|{_ts(e.at)}||ADT^{e.code}^{structure}|MSG{n:05d}|P|2.5",
            f"EVN|{e.code}|{_ts(e.at)}||||{_ts(e.at)}",
            f"PID|1||{patient.mrn}^^^{patient.mrn_authority}^MR~{patient.abha}^^^{ABHA_SYSTEM}^ABHA||"
            f"{patient.family}^{patient.given}||{patient.birth_date:%Y%m%d}|{patient.sex}",
            "|".join(
                [
                    "PV1", "1", e.patient_class, e.location, "", "", e.prior_location, e.doctor, "", "",
                    e.department, *[""] * 8, e.visit, *[""] * 16, e.disposition, *[""] * 7,
                    _ts(e.admit), _ts(e.discharge),
                ]
            ),
        ]  # fmt: skip
        messages.append("\r".join(segments) + "\r")
    return "\n".join(messages)


def write_hl7(data_dir: Path, patient: Patient = PATIENT) -> Path:
    """adt/scenario.hl7: the five messages, one after another."""
    path = data_dir / "adt" / "scenario.hl7"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(hl7_text(patient))
    return path
