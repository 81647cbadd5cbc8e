"""Bill CSV exports, read through each layout's YAML column mapping."""

from ingestion.feeds.base import Feed
from ingestion.feeds.billing_csv.reader import BillCsvReader
from ingestion.feeds.billing_csv.spec import SPEC

FEED = Feed(SPEC, BillCsvReader())
