"""NHCX claim messages (FHIR R4 bundles with the HCX protocol headers), parsed with fhir.resources.R4B."""

from ingestion.feeds.base import Feed
from ingestion.feeds.claims_nhcx.reader import ClaimsNhcxReader
from ingestion.feeds.claims_nhcx.spec import SPEC

FEED = Feed(SPEC, ClaimsNhcxReader())
