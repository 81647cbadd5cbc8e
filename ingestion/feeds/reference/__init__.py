"""Reference data (branches, doctors, gateway contract), parsed in Python; versioned by id."""

from ingestion.feeds.base import Feed
from ingestion.feeds.reference.reader import ReferenceReader, tenant_of
from ingestion.feeds.reference.spec import SPEC

FEED = Feed(SPEC, ReferenceReader())

__all__ = ["FEED", "tenant_of"]
