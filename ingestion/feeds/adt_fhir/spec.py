"""FHIR R4 Encounter and Patient resources (a Bundle or NDJSON) from newer HIS, parsed with fhir.resources (R4B), and the ADT events pushed to POST /v1/adt/events."""

from __future__ import annotations

from ingestion.adt_event import ADT_EVENT_COLUMNS, ADT_EVENT_KEY
from ingestion.spec import DAILY, FeedSpec, TableSpec

EVENTS = TableSpec(
    "adt_fhir_events",
    "One row per ADT event derived from FHIR R4 Encounter (+ Patient) resources: a status or class change in the Encounter's history is an event. Append-only.",
    ADT_EVENT_COLUMNS,
    key=ADT_EVENT_KEY,
    event_time="event_time",
)

SPEC = FeedSpec(
    name="adt_fhir",
    freshness=DAILY,
    description="FHIR R4 Encounter and Patient resources (a Bundle or NDJSON) from newer HIS, parsed with fhir.resources (R4B), and the ADT events pushed to POST /v1/adt/events.",
    source="adt",
    folder="adt/fhir",
    patterns=("*.json", "*.ndjson"),
    tables=(EVENTS,),
    position="json_item",
    reader="python",
    # adt/fhir/rest/: what POST /v1/adt/events received; adt/fhir/bulk/<export>/: a Bulk Data export's files
    subfolders=("rest", "bulk/*"),
    config_files=("manifest.json",),  # a bulk export's manifest (its Patient files, its transactionTime)
)
