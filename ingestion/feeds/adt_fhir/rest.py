"""The lines `mymedic booking export-adt` writes (what `POST /v1/adt/events` stored), in `adt/fhir/rest/`:
`{"tenant_id", "sender", "message_id", "kind": "fhir" | "adt_event", "received_at", "body"}`.

- kind `fhir`: the body's FHIR resources (an Encounter with its Patient contained, or a Bundle of them) are
  read like any other FHIR item, under the envelope's sender.
- kind `adt_event`: the platform's JSON ADT event, checked with the model the route accepted it with
  (`booking.integrations.adt_payloads.AdtEvent`, the shared ADT event's fields less those the platform
  fills in), becomes one ADT event row: the envelope's sender and message id, the line as `raw`. An event
  that no longer passes (the model changed since it was stored, or the file was edited) is quarantined
  with the field and the reason.

An envelope of another tenant than the load's, or of an unknown kind, is quarantined with the reason.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from booking.integrations.adt_payloads import AdtEvent
from ingestion.adt_values import PatientId, day, event_row, utc
from ingestion.records import RowError
from ingestion.yaml_config import first_error

ENVELOPE = frozenset({"tenant_id", "sender", "message_id", "kind", "body"})
KINDS = ("fhir", "adt_event")


def is_envelope(data: object) -> bool:
    return isinstance(data, dict) and data.keys() >= ENVELOPE


def envelope_problem(envelope: dict[str, Any], tenant_id: str) -> str:
    """Why the envelope can't be read ('' when it can)."""
    kind, message_id = envelope.get("kind"), envelope.get("message_id")
    if kind not in KINDS:
        return (
            f"a REST ADT envelope of kind {kind!r} (message {message_id!r}); expected one of "
            f"{', '.join(repr(k) for k in KINDS)}"
        )
    if not isinstance(envelope.get("sender"), str) or not envelope["sender"]:
        return f"a REST ADT envelope without a sender (message {message_id!r})"
    if envelope.get("tenant_id") != tenant_id:
        return (
            f"a REST ADT envelope of tenant {envelope.get('tenant_id')!r} (message {message_id!r}) in a "
            f"load for tenant {tenant_id!r}; export-adt writes one file per tenant: load it as that tenant's"
        )
    return ""


def fhir_resources(body: object) -> list[dict[str, Any]] | None:
    """A kind `fhir` body's resources (one resource, or a Bundle's entries); None when it is neither."""
    if not isinstance(body, dict):
        return None
    if body.get("resourceType") == "Bundle":
        entries = body.get("entry", [])
        resources = (
            [e.get("resource") for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
        )
    else:
        resources = [body]
    return resources if resources and all(isinstance(r, dict) for r in resources) else None


def adt_event_row(envelope: dict[str, Any], tenant_id: str, raw: str) -> dict[str, Any]:
    """A kind `adt_event` envelope as its ADT event row; raises RowError naming the field and the reason."""
    message_id = envelope.get("message_id")
    try:
        event = AdtEvent.model_validate(envelope.get("body"))
    except ValidationError as exc:
        problem = first_error(exc)
        where = "body." if exc.errors()[0]["loc"] else "body: "
        raise RowError(
            f"REST ADT event {message_id!r} is not a valid platform ADT event: {where}{problem}"
        ) from None
    if event.message_id != message_id:
        raise RowError(
            f"REST ADT event {message_id!r}: the body's message_id {event.message_id!r} is not the envelope's"
        )
    values = event.model_dump(exclude={"patient_ids"})
    for name in ("message_time", "event_time", "admit_time", "discharge_time"):
        if values[name] is not None:
            values[name] = utc(name, values[name])
    if values["birth_date"] is not None:
        values["birth_date"] = day("birth_date", values["birth_date"])
    ids = [PatientId(i.id, i.authority, i.type) for i in event.patient_ids]
    return event_row(
        **values, tenant_id=tenant_id, sender=str(envelope.get("sender") or ""), patient_ids=ids, raw=raw
    )
