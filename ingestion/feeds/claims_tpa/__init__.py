"""TPA claim lifecycle exports (CSV, NDJSON), read through each TPA format's YAML mapping."""

from ingestion.feeds.base import Feed
from ingestion.feeds.claims_tpa.reader import ClaimsTpaReader
from ingestion.feeds.claims_tpa.spec import SPEC

FEED = Feed(SPEC, ClaimsTpaReader())
