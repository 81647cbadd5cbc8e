"""One FHIR R4 Encounter (with its Patient) as the ADT events an HL7 v2 feed would have sent for it
(docs/adt.md): its status history, class history and location history are walked in time order.

- planned -> A05 (pre-admit); the first arrived / triaged / in-progress -> A01 for an inpatient class
  (IMP, ACUTE, NONAC), else A04 (register: AMB, EMER, ...); a finished Encounter that never said it started
  was admitted at period.start.
- a class change while the visit is open -> A06 (outpatient or emergency to inpatient), A07 (inpatient to
  outpatient), else A08 (update);
- a location change while the visit is open -> A02 (transfer), with the prior location;
- finished -> A03 (discharge / end visit, with hospitalization.dischargeDisposition); back to an active
  status after finished -> A13 (cancel discharge);
- cancelled or entered-in-error after a (pre-)admit -> A11 (cancel admit / visit);
- onleave and unknown give no event.

Each event's message id is `<Encounter id>/_history/<versionId>#<ordinal>` (without a versionId, the
resource's content hash stands for it), so every derived event is its own row, stable on re-load.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from ingestion.adt_values import PatientId, day, event_row, utc
from ingestion.records import RowError

STATUSES = (
    "planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled", "entered-in-error",
    "unknown",
)  # fmt: skip
ACTIVE = frozenset({"arrived", "triaged", "in-progress"})
ENDED = frozenset({"cancelled", "entered-in-error"})
GENDERS = {"male": "M", "female": "F", "other": "O", "unknown": "U"}  # FHIR gender -> HL7 table 0001
INPATIENT = frozenset({"IMP", "ACUTE", "NONAC"})  # v3 ActCode classes that are an admission
PATIENT_CLASS = {"IMP": "I", "ACUTE": "I", "NONAC": "I", "EMER": "E", "PRENC": "P"}  # others: O
# Where ABDM's ABHA number is an identifier system (the NDHM name and the ABDM one).
ABHA_SYSTEMS = frozenset({"https://healthid.ndhm.gov.in", "https://healthid.abdm.gov.in"})
_LAST = datetime.max.replace(tzinfo=UTC)
_ORDER = {"class": 0, "location": 1, "status": 2}  # at one moment: the class and place first, then the status


def hl7_class(code: str) -> str:
    return PATIENT_CLASS.get(code, "O")


def ref_id(ref: Any) -> str:
    """A Reference as the HIS's id: the id part of `Type/id`, else its identifier's value, else its display."""
    if ref is None:
        return ""
    if ref.reference:
        return str(ref.reference).rstrip("/").rsplit("/", 1)[-1]
    if ref.identifier is not None and ref.identifier.value:
        return str(ref.identifier.value)
    return str(ref.display or "")


def version_of(resource: Any, raw: dict[str, Any]) -> str:
    if resource.meta is not None and resource.meta.versionId:
        return str(resource.meta.versionId)
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256-" + hashlib.sha256(canonical.encode()).hexdigest()[:16]


def patient_fields(patient: Any) -> dict[str, Any]:
    """Patient -> patient_ids, name (family^given^middle), birth date, sex (HL7 codes)."""
    ids: list[PatientId] = []
    for ident in patient.identifier or []:
        if not ident.value:
            continue
        system = str(ident.system or "")
        codes = [c.code for c in (ident.type.coding or [])] if ident.type is not None else []
        kind = "ABHA" if system in ABHA_SYSTEMS else next((str(c) for c in codes if c), "")
        # The assigning authority as HL7 PID-3.4 names it: the assigner's name, else the system.
        assigner = ident.assigner.display if ident.assigner is not None else ""
        authority = assigner or system
        ids.append(PatientId(str(ident.value), str(authority), kind))
    name = ""
    if patient.name:
        first = next((n for n in patient.name if n.use == "official"), patient.name[0])
        given = [str(g) for g in first.given or []]
        parts = [str(first.family or ""), *given[:1], " ".join(given[1:])]
        name = "^".join(parts).rstrip("^") or str(first.text or "")
    born = patient.birthDate
    if born is not None and not isinstance(born, date):
        raise RowError(f"Patient.birthDate {born!r} is not a date")
    if patient.gender is not None and patient.gender not in GENDERS:
        raise RowError(f"Patient.gender {patient.gender!r} is not one of {', '.join(GENDERS)}")
    return {
        "patient_ids": ids,
        "patient_name": name,
        "birth_date": day("Patient.birthDate", born) if born is not None else None,
        "sex": GENDERS.get(patient.gender or "", ""),
    }


def _moment(path: str, value: Any) -> datetime | None:
    """A FHIR dateTime as UTC (a bare date: midnight IST)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return utc(path, value)
    if isinstance(value, date):
        return utc(path, datetime(value.year, value.month, value.day))
    raise RowError(f"{path} {value!r} is not a dateTime")


@dataclass(order=True)
class _Step:
    at: datetime
    order: int
    seq: int
    kind: str = field(compare=False)
    value: str = field(compare=False)


def _steps(enc: Any) -> tuple[str, list[_Step]]:
    """The Encounter's history in time order, and its class before the first step."""
    steps: list[_Step] = []

    def add(at: datetime | None, kind: str, value: str) -> None:
        steps.append(_Step(at or _LAST, _ORDER[kind], len(steps), kind, value))

    for i, h in enumerate(enc.statusHistory or []):
        if h.status not in STATUSES:
            raise RowError(
                f"Encounter.statusHistory[{i}].status {h.status!r} is not one of {', '.join(STATUSES)}"
            )
        add(_moment(f"Encounter.statusHistory[{i}].period.start", h.period.start), "status", h.status)
    if enc.status not in STATUSES:
        raise RowError(f"Encounter.status {enc.status!r} is not one of {', '.join(STATUSES)}")
    period = enc.period
    start = _moment("Encounter.period.start", period.start if period else None)
    end = _moment("Encounter.period.end", period.end if period else None)
    history = sorted(s for s in steps if s.kind == "status")
    if not history or history[-1].value != enc.status:
        if enc.status == "finished" and not any(s.value in ACTIVE for s in history):
            add(start, "status", "in-progress")  # a finished visit that never said it started began then
        at = end if enc.status in {"finished", *ENDED} else start if not history else None
        add(at, "status", enc.status)
    classes = enc.classHistory or []
    initial = str(classes[0].class_fhir.code) if classes else str(enc.class_fhir.code)
    for i, c in enumerate(classes[1:], start=1):
        add(
            _moment(f"Encounter.classHistory[{i}].period.start", c.period.start),
            "class",
            str(c.class_fhir.code),
        )
    if classes and str(classes[-1].class_fhir.code) != str(enc.class_fhir.code):
        add(None, "class", str(enc.class_fhir.code))
    for i, loc in enumerate(enc.location or []):
        if loc.status in {"planned", "reserved"}:
            continue
        at = _moment(f"Encounter.location[{i}].period.start", loc.period.start if loc.period else None)
        add(at or start, "location", ref_id(loc.location))
    return initial, sorted(steps)


def _visit_number(enc: Any) -> str:
    ids = [i for i in enc.identifier or [] if i.value]
    chosen = next(
        (i for i in ids if i.type is not None and any(c.code == "VN" for c in i.type.coding or [])), None
    )
    chosen = (
        chosen or next((i for i in ids if i.use in ("usual", "official")), None) or (ids[0] if ids else None)
    )
    return str(chosen.value) if chosen is not None else ""


def _attending(enc: Any) -> str:
    people = [p for p in enc.participant or [] if p.individual is not None]
    for p in people:
        codes = {c.code for t in p.type or [] for c in t.coding or []}
        if "ATND" in codes:
            return ref_id(p.individual)
    return ref_id(people[0].individual) if people else ""


def _department(enc: Any) -> str:
    if enc.serviceType is not None:
        code = next((c.code for c in enc.serviceType.coding or [] if c.code), None)
        if code:
            return str(code)
    return ref_id(enc.serviceProvider)


def _disposition(enc: Any) -> str:
    hosp = enc.hospitalization
    if hosp is None or hosp.dischargeDisposition is None:
        return ""
    concept = hosp.dischargeDisposition
    return str(next((c.code for c in concept.coding or [] if c.code), None) or concept.text or "")


def encounter_events(
    enc: Any,
    raw: dict[str, Any],
    patient: dict[str, Any],
    tenant_id: str,
    sender: str,
    fallback: datetime | None,
) -> list[dict[str, Any]]:
    """The ADT event rows of one Encounter (see the module docstring). `fallback`: the message time of an
    event whose step has no time (meta.lastUpdated, else the Bundle's timestamp)."""
    if not enc.id:
        raise RowError("Encounter has no id: the message ids of its events are made from it")
    initial, steps = _steps(enc)
    visit = _visit_number(enc)
    if not visit:
        raise RowError("Encounter.identifier has no value: the visit number is required")
    version = version_of(enc, raw)
    start = _moment("Encounter.period.start", enc.period.start if enc.period else None)
    shared = {
        "tenant_id": tenant_id,
        "sender": sender,
        "visit_number": visit,
        "attending_doctor": _attending(enc),
        "department": _department(enc),
        "raw": json.dumps(raw, ensure_ascii=False, separators=(",", ":")),
        **patient,
    }
    state = {"cls": initial, "loc": "", "admit": None, "discharge": None, "disposition": ""}
    opened = started = finished = False
    rows: list[dict[str, Any]] = []

    def emit(code: str, at: datetime | None, prior: str = "") -> None:
        when = at if at is not None and at != _LAST else None
        message_time = when or fallback
        if message_time is None:
            raise RowError(
                f"Encounter's {code} event has no time: give the history's period.start, period.start/end "
                "or meta.lastUpdated"
            )
        rows.append(
            event_row(
                **{**shared, "patient_ids": list(shared["patient_ids"])},
                message_id=f"{enc.id}/_history/{version}#{len(rows) + 1}",
                message_time=message_time,
                event_type=code,
                event_time=when,
                patient_class=hl7_class(state["cls"]),
                location=state["loc"],
                prior_location=prior,
                admit_time=state["admit"],
                discharge_time=state["discharge"],
                discharge_disposition=state["disposition"],
            )
        )

    for step in steps:
        at = None if step.at == _LAST else step.at
        if step.kind == "class":
            before, state["cls"] = state["cls"], step.value
            if started and not finished and hl7_class(before) != hl7_class(step.value):
                was_in, now_in = hl7_class(before) == "I", hl7_class(step.value) == "I"
                emit("A06" if now_in else "A07" if was_in else "A08", at)
        elif step.kind == "location":
            before = state["loc"]
            state["loc"] = step.value
            if started and not finished and step.value != before:
                emit("A02", at, prior=before)
        elif step.value == "planned" and not opened:
            opened = True
            emit("A05", at)
        elif step.value in ACTIVE and not started:
            opened = started = True
            state["admit"] = start or at
            emit("A01" if state["cls"] in INPATIENT else "A04", at)
        elif step.value in ACTIVE and finished:
            finished = False
            state["discharge"], state["disposition"] = None, ""
            emit("A13", at)
        elif step.value == "finished" and started and not finished:
            finished = True
            state["discharge"], state["disposition"] = at, _disposition(enc)
            emit("A03", at)
        elif step.value in ENDED and opened:
            opened = started = False
            emit("A11", at)
    if not rows:
        raise RowError(f"Encounter status {enc.status!r} with this history gives no ADT event")
    return rows
