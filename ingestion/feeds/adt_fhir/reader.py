"""FHIR R4 Encounter + Patient resources (a Bundle, one resource, or NDJSON), parsed with fhir.resources.R4B.

A `.json` file is a Bundle (its entries are the items, numbered from 1) or a single Encounter or Patient; an
`.ndjson` file has one resource per line (the line is the item). Each Encounter becomes its ADT events
(events.py), each event a row; its Patient (`subject`) must be in the same file (a Bundle entry or an NDJSON
line, matched by `Patient/<id>` or the entry's fullUrl) or contained in the Encounter (`#<id>`). A Patient is part of the file's frame (yielded as a
`Frame`, listed in the load's note), as is a resource of another type. A resource that doesn't parse or
breaks the R4 cardinalities is quarantined with the FHIR path and the reason (fhir.resources' validation
names the path), as is an Encounter whose Patient is missing or that gives no event.

Sender: the resource's meta.source, else the Bundle's, else `fhir`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from ingestion.adt_values import event_row, utc
from ingestion.csv_source import physical_lines
from ingestion.feeds.adt_fhir.bulk import export_patients
from ingestion.feeds.adt_fhir.events import encounter_events, patient_fields
from ingestion.feeds.adt_fhir.rest import adt_event_row, envelope_problem, fhir_resources, is_envelope
from ingestion.feeds.base import LoadContext
from ingestion.records import FileRejected, Frame, Record, RowError
from ingestion.spec import TableSpec
from ingestion.yaml_config import first_error

DEFAULT_SENDER = "fhir"
READ = ("Encounter", "Patient")


@dataclass
class Item:
    line: int
    raw: str
    offset: int = 0
    length: int = 0
    data: dict[str, Any] | None = None
    problem: str = ""
    full_url: str = ""
    sender: str = ""  # the sender named by a REST envelope (the booking service's export-adt)
    envelope: dict[str, Any] | None = None  # a REST envelope of kind adt_event (rest.py)


def _bundle_items(path: Path) -> tuple[list[Item], dict[str, Any]]:
    text = path.read_text(encoding="utf-8", errors="replace").removeprefix("\ufeff")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileRejected(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("resourceType"), str):
        raise FileRejected("not a FHIR resource: expected a JSON object with a resourceType")
    kind = doc["resourceType"]
    if kind in READ:
        return [Item(1, text.strip(), 0, len(text.encode()), doc)], {}
    if kind != "Bundle":
        raise FileRejected(f"a {kind}; expected a Bundle, an Encounter or a Patient (or NDJSON of them)")
    entries = doc.get("entry", [])
    if not isinstance(entries, list):
        raise FileRejected("Bundle.entry is not a list")
    items = []
    for n, entry in enumerate(entries, start=1):
        raw = json.dumps(entry, ensure_ascii=False)
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            items.append(Item(n, raw, problem=f"Bundle.entry[{n - 1}] has no resource object"))
            continue
        url = entry.get("fullUrl")
        items.append(
            Item(n, json.dumps(resource, ensure_ascii=False), data=resource, full_url=str(url or ""))
        )
    return items, doc


def _ndjson_items(path: Path, tenant_id: str) -> Iterator[Item]:
    for number, start, body in physical_lines(path):
        text = body.decode("utf-8", errors="replace")
        if not text.strip():
            continue
        item = Item(number, text, start, len(body))
        try:
            data = json.loads(body.decode("utf-8"))
        except UnicodeDecodeError:
            item.problem = "line is not valid UTF-8 text"
        except json.JSONDecodeError as exc:
            item.problem = f"line is not JSON: {exc.msg} at column {exc.colno}"
        else:
            if is_envelope(data):
                yield from _unwrapped(item, data, tenant_id)
                continue
            if isinstance(data, dict):
                item.data = data
            else:
                item.problem = "line is not a JSON object (a FHIR resource)"
        yield item


def _unwrapped(item: Item, envelope: dict[str, Any], tenant_id: str) -> Iterator[Item]:
    """A line of `mymedic booking export-adt` (rest.py): a kind `fhir` envelope's resources, each at the
    line's position, sent by the envelope's sender; a kind `adt_event` envelope as one item to be read as the
    platform's JSON ADT event."""
    item.problem = envelope_problem(envelope, tenant_id)
    if item.problem:
        yield item
    elif envelope["kind"] == "adt_event":
        item.envelope = envelope
        yield item
    elif (resources := fhir_resources(envelope["body"])) is None:
        item.problem = "the REST envelope's body is not a FHIR resource or a Bundle of resources"
        yield item
    else:
        for resource in resources:
            yield Item(
                item.line, item.raw, item.offset, item.length, data=resource, sender=envelope["sender"]
            )


def parse(data: dict[str, Any]) -> Any:
    """The resource as its fhir.resources R4B model; raises RowError with the FHIR path and reason."""
    kind = data.get("resourceType")
    model = get_fhir_model_class(str(kind))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        ident = f"/{data['id']}" if isinstance(data.get("id"), str) else ""
        raise RowError(f"{kind}{ident} is not valid FHIR R4: {kind}.{first_error(exc)}") from None


def _time(value: Any) -> datetime | None:
    return utc("meta.lastUpdated", value) if isinstance(value, datetime) else None


def _bundle_time(value: object) -> datetime | None:
    try:
        return _time(datetime.fromisoformat(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def _contained_patient(enc: Any, subject: str) -> dict[str, Any] | None:
    """The Patient contained in the Encounter that `#id` names (a REST push sends them so)."""
    for resource in enc.contained or []:
        if resource.get_resource_type() == "Patient" and f"#{resource.id}" == subject:
            return patient_fields(resource)
    return None


class AdtFhirReader:
    kind: Literal["python"] = "python"

    def unit(self, path: Path) -> str:
        return "lines" if path.suffix.lower() == ".ndjson" else "document"

    def records(self, path: Path, table: TableSpec, context: LoadContext) -> Iterator[Record | Frame]:
        if path.suffix.lower() == ".ndjson":
            items, bundle = list(_ndjson_items(path, context.tenant_id)), {}
        else:
            items, bundle = _bundle_items(path)
        bundle_meta = bundle.get("meta") if isinstance(bundle.get("meta"), dict) else {}
        bundle_sender = str(bundle_meta.get("source") or "")
        bundle_time = _bundle_time(bundle.get("timestamp"))
        out: list[Record | Frame] = []
        # a Bulk Data export's file (bulk.py): its Encounters' Patients may be in the export's Patient files
        patients, export_time, looked_in = export_patients(path)
        bundle_time = bundle_time or _time(export_time)
        encounters: list[tuple[Item, Any]] = []
        for item in items:
            where = {"offset": item.offset, "length": item.length}
            if item.envelope is not None:
                try:
                    row = adt_event_row(item.envelope, context.tenant_id, item.raw)
                except RowError as exc:
                    out.append(Record.bad(item.line, item.raw, str(exc), **where))
                else:
                    out.append(Record(item.line, item.raw, values=row, **where))
                continue
            if item.data is None:
                out.append(Record.bad(item.line, item.raw, item.problem, **where))
                continue
            kind = item.data.get("resourceType")
            if kind not in READ:
                if isinstance(kind, str) and kind:
                    out.append(Frame(item.line, f"{kind} resource (not read as an ADT event)"))
                else:
                    out.append(
                        Record.bad(item.line, item.raw, "not a FHIR resource: no resourceType", **where)
                    )
                continue
            try:
                resource = parse(item.data)
                if kind == "Patient":
                    fields = patient_fields(resource)
            except (RowError, ValueError) as exc:
                out.append(Record.bad(item.line, item.raw, str(exc), **where))
                continue
            if kind == "Patient":
                for key in (f"Patient/{resource.id}", item.full_url):
                    if key:
                        patients[key] = fields
                merges = self._merges(item, resource, fields, context, bundle_sender or DEFAULT_SENDER)
                out.extend(merges or [Frame(item.line, "Patient resource (read with its Encounters)")])
            else:
                encounters.append((item, resource))
        for item, enc in encounters:
            out.extend(
                self._events(
                    item, enc, patients, context, bundle_sender or DEFAULT_SENDER, bundle_time, looked_in
                )
            )
        yield from sorted(out, key=lambda r: r.line)

    @staticmethod
    def _merges(
        item: Item, patient: Any, fields: dict[str, Any], context: LoadContext, default_sender: str
    ) -> list[Record]:
        """A Patient that `replaces` another (FHIR's merge; HL7 A40): an A40 row per replaced patient, named
        by the link's Reference.identifier (its MRN). A link naming no identifier is quarantined: the merge
        cannot be applied without the other patient's MRN."""
        where = {"offset": item.offset, "length": item.length}
        meta = patient.meta
        sender = item.sender or (str(meta.source) if meta is not None and meta.source else default_sender)
        version = meta.versionId if meta is not None and meta.versionId else "0"
        when = _time(meta.lastUpdated if meta is not None else None)
        rows: list[Record] = []
        replaced = [link for link in patient.link or [] if link.type == "replaces"]
        for n, link in enumerate(replaced, start=1):
            other = link.other.identifier.value if link.other.identifier is not None else None
            if not other:
                reason = (
                    f"Patient/{patient.id}.link[{n - 1}] replaces a patient but names no identifier (its MRN)"
                )
                rows.append(Record.bad(item.line, item.raw, reason, **where))
                continue
            if when is None:
                reason = f"Patient/{patient.id}: a merge needs meta.lastUpdated (when it happened)"
                rows.append(Record.bad(item.line, item.raw, reason, **where))
                continue
            row = event_row(
                tenant_id=context.tenant_id,
                sender=sender,
                message_id=f"Patient/{patient.id}/_history/{version}#merge{n}",
                message_time=when,
                event_type="A40",
                event_time=when,
                merged_mrn=str(other),
                raw=item.raw,
                **fields,
            )
            rows.append(Record(item.line, item.raw, values=row, **where))
        return rows

    @staticmethod
    def _events(
        item: Item,
        enc: Any,
        patients: dict[str, dict[str, Any]],
        context: LoadContext,
        default_sender: str,
        bundle_time: datetime | None,
        looked_in: str = "",
    ) -> list[Record]:
        where = {"offset": item.offset, "length": item.length}
        subject = str(enc.subject.reference or "") if enc.subject is not None else ""
        try:
            patient = _contained_patient(enc, subject) if subject.startswith("#") else patients.get(subject)
        except RowError as exc:
            return [Record.bad(item.line, item.raw, f"Encounter/{enc.id}: {exc}", **where)]
        if patient is None:
            return [
                Record.bad(
                    item.line,
                    item.raw,
                    f"Encounter/{enc.id}: its subject {subject or '(none)'} is not a Patient in this file"
                    + (
                        f" nor in {looked_in}; send it in the export"
                        if looked_in
                        else "; send the Patient in "
                        "the same Bundle or NDJSON file, or contained in the Encounter"
                    ),
                    **where,
                )
            ]
        meta = enc.meta
        sender = item.sender or (str(meta.source) if meta is not None and meta.source else default_sender)
        fallback = _time(meta.lastUpdated if meta is not None else None) or bundle_time
        try:
            rows = encounter_events(enc, item.data or {}, patient, context.tenant_id, sender, fallback)
        except RowError as exc:
            return [Record.bad(item.line, item.raw, f"Encounter/{enc.id}: {exc}", **where)]
        return [Record(item.line, item.raw, values=row, **where) for row in rows]
