"""WhatsApp Business Cloud API status webhooks (messages/meta/), read, exploded and validated by the engine."""

from ingestion.feeds.base import Feed
from ingestion.feeds.whatsapp_statuses.reader import WhatsAppStatusesReader
from ingestion.feeds.whatsapp_statuses.spec import SPEC

FEED = Feed(SPEC, WhatsAppStatusesReader())
