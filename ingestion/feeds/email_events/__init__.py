"""SendGrid email events exported as CSV (messages/sendgrid/), read and validated by the engine."""

from ingestion.feeds.base import Feed
from ingestion.feeds.email_events.reader import EmailEventsReader
from ingestion.feeds.email_events.spec import SPEC

FEED = Feed(SPEC, EmailEventsReader())
