"""Razorpay settlement reports (CSV download, API JSON), read and validated by the engine."""

from ingestion.feeds.base import Feed
from ingestion.feeds.razorpay_settlements.reader import RazorpaySettlementsReader
from ingestion.feeds.razorpay_settlements.spec import SPEC

FEED = Feed(SPEC, RazorpaySettlementsReader())
