"""Razorpay refund status answers (NDJSON written by the refund status check), parsed in Python (small)."""

from ingestion.feeds.base import Feed
from ingestion.feeds.razorpay_refund_status.reader import RazorpayRefundStatusReader
from ingestion.feeds.razorpay_refund_status.spec import SPEC

FEED = Feed(SPEC, RazorpayRefundStatusReader())
