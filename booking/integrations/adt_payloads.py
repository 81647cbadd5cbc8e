"""What a HIS may push to `POST /v1/adt/events`, checked before it is stored (the adt_fhir feed extracts the
events later; this only refuses what it could never load):

- a FHIR R4 `Encounter` with its `Patient` (contained, or a `Bundle` holding both), parsed with
  `fhir.resources.R4B`; its message id is `Encounter/<id>/_history/<meta.versionId>`;
- the platform's JSON ADT event (`AdtEvent`: the shared ADT event's fields, ingestion/adt_event.py, less
  those the platform fills in: tenant, sender, HL7 version and the raw text); its message id is `message_id`.

A time without an offset is read as IST (the platform's rule for senders that do not declare one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.encounter import Encounter
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from booking.domain.clock import IST

TRIGGER_EVENTS = (*(f"A{n:02d}" for n in range(1, 14)), "A17", "A28", "A31", "A40", "A60")
MESSAGE_ID = r"^[\x21-\x7e]{1,200}$"  # printable ASCII, no spaces: the sender's id, used as a key


def _utc(when: datetime) -> datetime:
    aware = when if when.tzinfo else when.replace(tzinfo=IST)
    try:
        return aware.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is outside the range this service can store") from None


Time = Annotated[datetime, AfterValidator(_utc)]
Text = Annotated[str, Field(max_length=200)]


class PatientId(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, Field(min_length=1, max_length=100)]
    authority: Text = ""
    type: Text = ""


class AdtEvent(BaseModel):
    """The platform's JSON ADT event: one admit, transfer, discharge, registration, update or merge."""

    model_config = ConfigDict(extra="forbid")
    message_id: Annotated[str, Field(pattern=MESSAGE_ID)]
    message_time: Time
    event_type: Literal[TRIGGER_EVENTS]  # type: ignore[valid-type]
    event_time: Time | None = None
    patient_ids: Annotated[list[PatientId], Field(max_length=20)] = []
    mrn: Text = ""
    abha_number: Text = ""
    patient_name: Text = ""
    birth_date: date | None = None
    sex: Text = ""
    patient_class: Text = ""
    visit_number: Text = ""
    location: Text = ""
    prior_location: Text = ""
    department: Text = ""
    attending_doctor: Text = ""
    admit_time: Time | None = None
    discharge_time: Time | None = None
    discharge_disposition: Text = ""
    merged_mrn: Text = ""

    @model_validator(mode="after")
    def _names_a_patient(self) -> AdtEvent:
        if not self.mrn and not self.patient_ids:
            raise ValueError("an ADT event needs the patient's mrn or patient_ids")
        if self.event_type == "A40" and not self.merged_mrn:
            raise ValueError("an A40 merge needs merged_mrn (the prior patient's MRN)")
        return self


class PayloadError(ValueError):
    """The body is not one of the accepted shapes; the message names the field."""


@dataclass(frozen=True, slots=True)
class AdtPayload:
    kind: Literal["fhir", "adt_event"]
    message_id: str
    event: str  # for the audit trail: the trigger event or the Encounter's status, never patient data


def _explain(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(x) for x in first["loc"]) or "body"
    return f"{where}: {first['msg']}"


def _encounter_message_id(encounter: Encounter) -> str:
    version = encounter.meta.versionId if encounter.meta else None
    if not encounter.id or not version:
        raise PayloadError(
            "Encounter.id and Encounter.meta.versionId are both needed: together they are the message id a "
            "resend is recognised by"
        )
    return f"Encounter/{encounter.id}/_history/{version}"


def _fhir(document: dict[str, Any]) -> AdtPayload:
    kind = document.get("resourceType")
    try:
        if kind == "Bundle":
            bundle = Bundle.model_validate(document)
            resources = [e.resource for e in bundle.entry or [] if e.resource is not None]
        elif kind == "Encounter":
            encounter = Encounter.model_validate(document)
            resources = [encounter, *(encounter.contained or [])]
        else:
            raise PayloadError(
                f"resourceType {kind!r} is not accepted; send an Encounter (with its Patient) or a Bundle"
            )
    except ValidationError as error:
        raise PayloadError(f"not a valid FHIR R4 {kind}: {_explain(error)}") from None
    encounters = [r for r in resources if r.get_resource_type() == "Encounter"]
    if len(encounters) != 1:
        raise PayloadError(f"exactly one Encounter is needed, found {len(encounters)}")
    if not any(r.get_resource_type() == "Patient" for r in resources):
        raise PayloadError(
            "the Encounter's Patient is missing: contain it in the Encounter or add it to the Bundle"
        )
    encounter = encounters[0]
    return AdtPayload(
        kind="fhir", message_id=_encounter_message_id(encounter), event=f"Encounter.{encounter.status}"
    )


def parse_payload(body: bytes) -> AdtPayload:
    """What the body is, or `PayloadError` saying why it cannot be accepted."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PayloadError(f"the body is not UTF-8 JSON ({type(error).__name__})") from None
    if not isinstance(document, dict):
        raise PayloadError("the body must be a JSON object")
    if "resourceType" in document:
        return _fhir(document)
    try:
        event = AdtEvent.model_validate(document)
    except ValidationError as error:
        raise PayloadError(f"not a platform ADT event: {_explain(error)}") from None
    return AdtPayload(kind="adt_event", message_id=event.message_id, event=event.event_type)
