"""One package per feed (`<feed>/spec.py` declares it, `<feed>/reader.py` reads a file of it).

FEEDS is the order a data directory is loaded in (reference data first). Adding a feed means adding its
package here, its dbt staging models and its tests: docs/adding-a-feed.md.
"""

from ingestion.feeds import (
    adt_csv,
    adt_fhir,
    adt_hl7,
    bank_statements,
    billing_csv,
    billing_hl7,
    booking_events,
    claims_documents,
    claims_nhcx,
    claims_tpa,
    email_events,
    gateway_settlements,
    razorpay_refund_status,
    razorpay_settlements,
    reference,
    sms_delivery_reports,
    whatsapp_statuses,
)
from ingestion.feeds.base import Feed, LoadContext

FEEDS: tuple[Feed, ...] = (
    reference.FEED,
    booking_events.FEED,
    razorpay_settlements.FEED,
    gateway_settlements.FEED,
    razorpay_refund_status.FEED,
    bank_statements.FEED,
    adt_hl7.FEED,
    adt_csv.FEED,
    adt_fhir.FEED,
    billing_hl7.FEED,
    billing_csv.FEED,
    claims_tpa.FEED,
    claims_nhcx.FEED,
    claims_documents.FEED,
    whatsapp_statuses.FEED,
    sms_delivery_reports.FEED,
    email_events.FEED,
)


def feed_named(name: str) -> Feed:
    return next(f for f in FEEDS if f.name == name)


__all__ = ["FEEDS", "Feed", "LoadContext", "feed_named"]
