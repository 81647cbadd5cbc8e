"""The document manifest of the claims desk: which file in claims/documents/ is which document of which claim."""

from ingestion.feeds.base import Feed
from ingestion.feeds.claims_documents.reader import ClaimsDocumentsReader
from ingestion.feeds.claims_documents.spec import SPEC

FEED = Feed(SPEC, ClaimsDocumentsReader())
