"""MSG91 SMS delivery reports exported as CSV (messages/msg91/), read and validated by the engine."""

from ingestion.feeds.base import Feed
from ingestion.feeds.sms_delivery_reports.reader import SmsDeliveryReportsReader
from ingestion.feeds.sms_delivery_reports.spec import SPEC

FEED = Feed(SPEC, SmsDeliveryReportsReader())
