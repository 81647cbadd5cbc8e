"""Booking-service CloudEvents (NDJSON), read and validated by the engine."""

from ingestion.feeds.base import Feed
from ingestion.feeds.booking_events.reader import BookingEventsReader
from ingestion.feeds.booking_events.spec import SPEC

FEED = Feed(SPEC, BookingEventsReader())
