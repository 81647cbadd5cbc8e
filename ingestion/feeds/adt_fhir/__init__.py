"""FHIR R4 Encounter + Patient resources (Bundle or NDJSON), parsed with fhir.resources.R4B."""

from ingestion.feeds.adt_fhir.reader import AdtFhirReader
from ingestion.feeds.adt_fhir.spec import SPEC
from ingestion.feeds.base import Feed

FEED = Feed(SPEC, AdtFhirReader())
