"""Other gateways' settlement reports (settlements/<gateway>/), read by the engine through a profile."""

from ingestion.feeds.base import Feed
from ingestion.feeds.gateway_settlements.reader import GatewaySettlementsReader
from ingestion.feeds.gateway_settlements.spec import SPEC

FEED = Feed(SPEC, GatewaySettlementsReader())
