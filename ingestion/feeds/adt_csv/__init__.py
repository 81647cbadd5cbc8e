"""ADT CSV exports, read through each layout's YAML column mapping."""

from ingestion.feeds.adt_csv.reader import AdtCsvReader
from ingestion.feeds.adt_csv.spec import SPEC
from ingestion.feeds.base import Feed

FEED = Feed(SPEC, AdtCsvReader())
