"""HL7 v2 DFT^P03 bills: single messages, batches (FHS/BHS) and MLLP-framed files, parsed with python-hl7."""

from ingestion.feeds.base import Feed
from ingestion.feeds.billing_hl7.reader import BillingHl7Reader
from ingestion.feeds.billing_hl7.spec import SPEC

FEED = Feed(SPEC, BillingHl7Reader())
