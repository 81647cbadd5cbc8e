"""The HIS's ADT messages on the wire: HL7 v2.5 files (plain, FHS/BHS batch, MLLP-framed), FHIR R4
Encounter + Patient (NDJSON and Bundles), or a plain CSV export; and the mapping reference CSVs."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

from ingestion.feeds.adt_csv.mapping import MAPPABLE

from .adt import (
    ABHA_AUTHORITY,
    HIS_APPLICATION,
    MRN_AUTHORITY,
    Hospital,
    Mappings,
    Message,
    Patient,
    Visit,
)
from .clock import DAY_S, EPOCH_ORDINAL, IST_OFFSET_S, iso_day, ist_day_of_ms

ADT_FORMATS = ("hl7", "fhir", "csv", "none")
ADT_DIR = "adt"
FHIR_DIR = "adt/fhir"
CSV_HIS = "arghis"
CSV_DIR = f"adt/csv/{CSV_HIS}"
RECEIVER = "MYMEDIC"
HL7_VERSION = "2.5"
MLLP_START, MLLP_END = b"\x0b", b"\x1c\r"
STRUCTURE = {
    "A01": "ADT_A01",
    "A04": "ADT_A01",
    "A08": "ADT_A01",
    "A02": "ADT_A02",
    "A03": "ADT_A03",
    "A40": "ADT_A39",
}

# The mapping tables' files (reference/<stem>.csv) and headers, as the reference feed declares them;
# one place to rename at merge.
MAPPING_FILES: dict[str, tuple[str, ...]] = {
    "patient_identity": ("tenant_id", "mrn", "abha_number", "patient_id"),
    "providers": ("tenant_id", "practitioner_id", "doctor_id"),
    "departments": ("tenant_id", "department_code", "department_name", "branch_id"),
    "wards": ("tenant_id", "ward_code", "ward_name", "branch_id"),
}

# systems of the FHIR codings and identifiers
V2_EVENT = "http://terminology.hl7.org/CodeSystem/v2-0003"
V2_ID_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
V2_DISPOSITION = "http://terminology.hl7.org/CodeSystem/v2-0112"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
HIS_URN = "urn:mymedic-his"
MRN_SYSTEM = f"{HIS_URN}:mrn"
ABHA_SYSTEM = "https://healthid.abdm.gov.in"

CSV_COLUMNS = (
    "tenant_id",
    "sender",
    "message_id",
    "message_time",
    "event_type",
    "event_time",
    "patient_ids",
    "mrn",
    "abha_number",
    "patient_name",
    "birth_date",
    "sex",
    "patient_class",
    "visit_number",
    "location",
    "prior_location",
    "department",
    "attending_doctor",
    "admit_time",
    "discharge_time",
    "discharge_disposition",
    "merged_mrn",
    "hl7_version",
)  # ingestion.adt_event.ADT_EVENT_COLUMNS without `raw` (the reader keeps the row as raw)


def _ist(ms: int) -> tuple[str, str]:
    """(YYYY-MM-DD, HH:MM:SS) on the IST wall clock."""
    local = ms // 1000 + IST_OFFSET_S
    day, secs = divmod(local, DAY_S)
    return iso_day(day + EPOCH_ORDINAL), f"{secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}"


def hl7_ts(ms: int | None) -> str:
    """HL7 TS/DTM with the IST offset: 20261001093000+0530."""
    if ms is None:
        return ""
    d, t = _ist(ms)
    return f"{d.replace('-', '')}{t.replace(':', '')}+0530"


def iso_ist(ms: int | None) -> str:
    """ISO 8601 with the IST offset: 2026-10-01T09:30:00+05:30."""
    if ms is None:
        return ""
    d, t = _ist(ms)
    return f"{d}T{t}+05:30"


def _identifiers(p: Patient) -> list[dict]:
    ids = [{"id": p.mrn, "authority": MRN_AUTHORITY, "type": "MR"}]
    if p.abha_number:
        ids.append({"id": p.abha_number, "authority": ABHA_AUTHORITY, "type": "ABHA"})
    return ids


# -- HL7 v2.5 -------------------------------------------------------------------------------------
def hl7_message(m: Message, tenant: str) -> str:
    """The message's segments, each ended by \\r."""
    p, v, b = m.patient, m.visit, m.branch.branch_id
    ids = "~".join(f"{i['id']}^^^{i['authority']}^{i['type']}" for i in _identifiers(p))
    segments = [
        f"MSH|^~\\&|{HIS_APPLICATION}|{b}|{RECEIVER}|{tenant}|{hl7_ts(m.message_ms)}||"
        f"ADT^{m.event_type}^{STRUCTURE[m.event_type]}|{m.control_id}|P|{HL7_VERSION}",
        f"EVN|{m.event_type}|{hl7_ts(m.message_ms)}||||{hl7_ts(m.event_ms)}|{b}",
        f"PID|1||{ids}||{p.family}^{p.given}||{p.birth_date}|{p.sex}",
    ]
    if v is not None:
        segments.append(_pv1(v))
    if m.merged_mrn:
        segments.append(f"MRG|{m.merged_mrn}^^^{MRN_AUTHORITY}^MR")
    return "".join(s + "\r" for s in segments)


def _pv1(v: Visit) -> str:
    f = [""] * 46
    f[0], f[1], f[2], f[3] = "PV1", "1", v.patient_class, v.location
    f[4] = "R" if v.patient_class == "I" else ""
    f[6] = v.prior_location
    family, given = v.practitioner_name
    f[7] = f"{v.practitioner}^{family}^{given}^^^Dr"
    f[10] = v.department
    f[19] = v.visit_number
    f[36] = v.disposition
    f[44] = hl7_ts(v.admit_ms)
    f[45] = hl7_ts(v.discharge_ms)
    return "|".join(f).rstrip("|")


def _hl7_file(day_index: int, messages: list[Message], tenant: str, day: str) -> bytes:
    """Every third day's file is an FHS/BHS batch, every third MLLP-framed, the rest plain messages."""
    texts = [hl7_message(m, tenant).encode() for m in messages]
    style = day_index % 3
    if style == 1:
        stamp = day.replace("-", "") + "235959+0530"
        head = (
            f"FHS|^~\\&|{HIS_APPLICATION}|{tenant}|{RECEIVER}|{tenant}|{stamp}||adt_{day}.hl7\r"
            f"BHS|^~\\&|{HIS_APPLICATION}|{tenant}|{RECEIVER}|{tenant}|{stamp}\r"
        )
        return head.encode() + b"".join(texts) + f"BTS|{len(texts)}\rFTS|1\r".encode()
    if style == 2:
        return b"".join(MLLP_START + t + MLLP_END for t in texts)
    return b"".join(texts)


# -- FHIR R4 --------------------------------------------------------------------------------------
def _meta(m: Message, version: str) -> dict:
    return {
        "versionId": version,
        "lastUpdated": iso_ist(m.message_ms),
        "source": f"{HIS_URN}:{HIS_APPLICATION}:{m.branch.branch_id}",
        "tag": [{"system": V2_EVENT, "code": m.event_type}],
    }


def patient_resource(p: Patient, m: Message, version: str = "1") -> dict:
    ids: list[dict] = [
        {
            "type": {"coding": [{"system": V2_ID_TYPE, "code": "MR"}]},
            "system": MRN_SYSTEM,
            "value": p.mrn,
        }
    ]
    if p.abha_number:
        ids.append({"type": {"text": "ABHA"}, "system": ABHA_SYSTEM, "value": p.abha_number})
    b = p.birth_date
    resource = {
        "resourceType": "Patient",
        "id": p.mrn.lower(),
        "meta": _meta(m, version),
        "identifier": ids,
        "name": [{"family": p.family, "given": [p.given]}],
        "gender": "male" if p.sex == "M" else "female",
        "birthDate": f"{b[:4]}-{b[4:6]}-{b[6:]}",
    }
    if m.merged_mrn:
        # the replaced Patient by reference and by its MRN (Reference.identifier), so a reader needs no lookup
        other = {
            "reference": f"Patient/{m.merged_mrn.lower()}",
            "identifier": {"system": MRN_SYSTEM, "value": m.merged_mrn},
        }
        resource["link"] = [{"other": other, "type": "replaces"}]
    return resource


def encounter_resource(m: Message, version: str) -> dict:
    v = m.visit
    assert v is not None
    admit, discharge = iso_ist(v.admit_ms), iso_ist(v.discharge_ms)
    klass = {"system": ACT_CODE, "code": "IMP" if v.patient_class == "I" else "AMB"}
    finished = v.discharge_ms is not None
    period = {"start": admit, **({"end": discharge} if finished else {})}
    moves = [(t["from"], t["to"], t["at"]) for t in v.transfers]
    places = [moves[0][0] if moves else v.location, *(to for _, to, _ in moves)]
    starts = [admit, *(iso_ist(_utc_ms(at)) for *_, at in moves)]
    locations = []
    for i, place in enumerate(places):
        last = i == len(places) - 1
        end = discharge if last else starts[i + 1]
        locations.append(
            {
                "location": {"identifier": {"system": f"{HIS_URN}:location", "value": place}},
                "status": "completed" if end else "active",
                "period": {"start": starts[i], **({"end": end} if end else {})},
            }
        )
    family, given = v.practitioner_name
    resource: dict = {
        "resourceType": "Encounter",
        "id": v.visit_number.lower(),
        "meta": _meta(m, version),
        "identifier": [{"system": f"{HIS_URN}:visit-number", "value": v.visit_number}],
        "status": "finished" if finished else "in-progress",
        "statusHistory": [{"status": "in-progress", "period": period}],
        "class": klass,
        "classHistory": [{"class": klass, "period": period}],
        "serviceType": {"coding": [{"system": f"{HIS_URN}:department", "code": v.department}]},
        "subject": {"reference": f"Patient/{m.patient.mrn.lower()}"},
        "participant": [
            {
                "type": [{"coding": [{"system": PARTICIPATION, "code": "ATND"}]}],
                "individual": {
                    "identifier": {"system": f"{HIS_URN}:practitioner", "value": v.practitioner},
                    "display": f"Dr. {given} {family}",
                },
            }
        ],
        "period": period,
        "location": locations,
        "serviceProvider": {"identifier": {"system": "urn:mymedic:branch", "value": v.branch.branch_id}},
    }
    if v.disposition:
        resource["hospitalization"] = {
            "dischargeDisposition": {"coding": [{"system": V2_DISPOSITION, "code": v.disposition}]}
        }
    if m.malformed:  # a required element missing: it does not validate
        del resource["status"], resource["class"]
    return resource


def _utc_ms(text: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(text).timestamp()) * 1000


def _fhir_resources(messages: list[Message], versions: dict[int, str]) -> list[dict]:
    out: list[dict] = []
    for m in messages:
        if m.visit is None:  # A40: the surviving Patient, with a link to the one it replaces
            out.append(patient_resource(m.patient, m, versions[m.seq]))
        else:
            out.append(patient_resource(m.patient, m))
            out.append(encounter_resource(m, versions[m.seq]))
    return out


def _fhir_versions(hospital: Hospital) -> dict[int, str]:
    """Each resource's versionId: the n-th message of the visit (or of the patient, for an A40)."""
    counts: dict[str, int] = {}
    versions: dict[int, str] = {}
    for m in sorted(
        (m for m in hospital.messages if m.resend_of is None), key=lambda m: (m.message_ms, m.seq)
    ):
        key = m.visit.visit_number if m.visit is not None else m.patient.mrn
        counts[key] = counts.get(key, 1 if m.visit is None else 0) + 1
        versions[m.seq] = str(counts[key])
    for m in hospital.messages:
        if m.resend_of is not None:
            versions[m.seq] = versions[m.resend_of]
    return versions


_dump = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


# -- CSV ------------------------------------------------------------------------------------------
def csv_row(m: Message, tenant: str) -> list[str]:
    p, v = m.patient, m.visit
    row = {
        "tenant_id": tenant,
        "sender": m.sender,
        "message_id": m.control_id,
        "message_time": iso_ist(m.message_ms),
        "event_type": m.event_type,
        "event_time": iso_ist(m.event_ms),
        "patient_ids": _dump(_identifiers(p)),
        "mrn": p.mrn,
        "abha_number": p.abha_number,
        "patient_name": f"{p.family}^{p.given}",
        "birth_date": f"{p.birth_date[:4]}-{p.birth_date[4:6]}-{p.birth_date[6:]}",
        "sex": p.sex,
        "merged_mrn": m.merged_mrn,
        "hl7_version": "",
    }
    if v is not None:
        row |= {
            "patient_class": v.patient_class,
            "visit_number": v.visit_number,
            "location": v.location,
            "prior_location": v.prior_location,
            "department": v.department,
            "attending_doctor": v.practitioner,
            "admit_time": iso_ist(v.admit_ms),
            "discharge_time": iso_ist(v.discharge_ms),
            "discharge_disposition": v.disposition,
        }
    return [row.get(c, "") for c in CSV_COLUMNS]


def csv_mapping_yaml() -> str:
    """The export's column mapping (ingestion/feeds/adt_csv/mapping.py): every column is named as the ADT
    event column it fills, the identifiers come from the mrn and abha_number columns."""
    mapped = [c for c in CSV_COLUMNS if c in MAPPABLE]
    lines = [
        "# The sample HIS's ADT export (sampledata): one column per ADT event column, named the same.",
        f"name: {CSV_HIS}",
        "zone: Asia/Kolkata  # times carry their +05:30 offset",
        "time_formats: [iso8601]",
        'date_formats: ["%Y-%m-%d"]',
        "columns:",
        *(f"  {c}: {c}" for c in mapped),
        "identifiers:",
        f"  - {{column: mrn, type: MR, authority: {MRN_AUTHORITY}}}",
        f'  - {{column: abha_number, type: ABHA, authority: "{ABHA_AUTHORITY}"}}',
    ]
    return "\n".join(lines) + "\n"


# -- files ----------------------------------------------------------------------------------------
def _by_day(messages: Iterable[Message]) -> dict[int, list[Message]]:
    days: dict[int, list[Message]] = {}
    for m in messages:
        days.setdefault(ist_day_of_ms(m.delivery_ms), []).append(m)
    return days


def write_adt(out: Path, hospital: Hospital, fmt: str, tenant: str) -> tuple[list[Path], list[dict]]:
    """Write the messages (in delivery order) in `fmt`; return the files and the expected quarantine."""
    if fmt not in ADT_FORMATS:
        raise ValueError(f"adt format must be one of {', '.join(ADT_FORMATS)}")
    paths: list[Path] = []
    quarantine: list[dict] = []
    if fmt == "none":
        return paths, quarantine
    versions = _fhir_versions(hospital) if fmt == "fhir" else {}
    for i, (day, messages) in enumerate(sorted(_by_day(hospital.messages).items())):
        name = iso_day(day)
        if fmt == "hl7":
            path = out / ADT_DIR / f"{name}.hl7"
            data = _hl7_file(i, messages, tenant, name)
        elif fmt == "fhir":
            resources = _fhir_resources(messages, versions)
            if i % 3 == 1:
                path = out / FHIR_DIR / f"{name}.json"
                bundle = {
                    "resourceType": "Bundle",
                    "id": f"adt-{name}",
                    "type": "collection",
                    "entry": [
                        {"fullUrl": f"{HIS_URN}:{r['resourceType']}/{r['id']}", "resource": r}
                        for r in resources
                    ],
                }
                data = (json.dumps(bundle, indent=1, ensure_ascii=False) + "\n").encode()
            else:
                path = out / FHIR_DIR / f"{name}.ndjson"
                data = "".join(_dump(r) + "\n" for r in resources).encode()
        else:
            path = out / CSV_DIR / f"{name}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow(CSV_COLUMNS)
                writer.writerows(csv_row(m, tenant) for m in messages)
            paths.append(path)
            data = b""
        if fmt != "csv":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            paths.append(path)
        rel = str(path.relative_to(out))
        for m in messages:
            if m.malformed:
                assert m.visit is not None
                reason = {
                    "hl7": "MSH-10 (message control id) is empty",
                    "fhir": "Encounter without its required status and class",
                    "csv": "message_id is empty",
                }[fmt]
                quarantine.append({"file": rel, "visit_number": m.visit.visit_number, "reason": reason})
    if fmt == "csv":
        mapping = out / CSV_DIR / "mapping.yaml"
        mapping.write_text(csv_mapping_yaml(), encoding="utf-8")
        paths.append(mapping)
    return paths, quarantine


def declared_mapping_files() -> tuple[str, ...]:
    """The mapping files the reference feed routes to a table (it may not declare them all yet)."""
    from ingestion.feeds.reference.spec import SPEC

    return tuple(stem for stem in MAPPING_FILES if stem in SPEC.routes)


def _mapping_header(stem: str) -> tuple[str, ...]:
    """The reference feed's header for the file when it declares one, else MAPPING_FILES'."""
    from ingestion.feeds.reference.spec import SPEC

    if stem in SPEC.routes:
        return SPEC.header(SPEC.routes[stem])
    return MAPPING_FILES[stem]


def write_mappings(directory: Path, tenant: str, mappings: Mappings, stems: Iterable[str]) -> list[Path]:
    """reference/<stem>.csv for each of `stems`; columns by name, so a reordered header still lines up."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = {
        "patient_identity": mappings.patient_identity,
        "providers": mappings.providers,
        "departments": mappings.departments,
        "wards": mappings.wards,
    }
    paths = []
    for stem in stems:
        names = MAPPING_FILES[stem]
        path = directory / f"{stem}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, _mapping_header(stem), lineterminator="\n", extrasaction="raise")
            writer.writeheader()
            writer.writerows(dict(zip(names, (tenant, *row), strict=True)) for row in rows[stem])
        paths.append(path)
    return paths
