"""HL7 v2 ADT files: single messages, batches (FHS/BHS) and MLLP-framed files, parsed with python-hl7."""

from ingestion.feeds.adt_hl7.reader import AdtHl7Reader
from ingestion.feeds.adt_hl7.spec import SPEC
from ingestion.feeds.base import Feed

FEED = Feed(SPEC, AdtHl7Reader())
