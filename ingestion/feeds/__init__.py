"""One module per feed; FEEDS is the order a data directory is loaded in (reference data first)."""

from ingestion.feeds.bank_statements import BankStatementsFeed
from ingestion.feeds.base import Feed, LoadContext
from ingestion.feeds.booking_events import BookingEventsFeed
from ingestion.feeds.razorpay_settlements import RazorpaySettlementsFeed
from ingestion.feeds.reference_data import ReferenceDataFeed

FEEDS: tuple[Feed, ...] = (
    ReferenceDataFeed(),
    BookingEventsFeed(),
    RazorpaySettlementsFeed(),
    BankStatementsFeed(),
)

__all__ = ["FEEDS", "Feed", "LoadContext"]
