"""The running service's parts, shared by the routes: configuration, database, clock, authenticator, and
the tenants' payment gateways."""

from __future__ import annotations

from dataclasses import dataclass, field

from booking.api.auth import Authenticator
from booking.domain.clock import Clock, SystemClock
from booking.infra.db import Database
from booking.integrations.razorpay_api import Gateways
from booking.settings import BookingConfig


@dataclass
class BookingService:
    config: BookingConfig
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    gateways: Gateways = field(default_factory=Gateways)
    authenticator: Authenticator = field(init=False)

    def __post_init__(self) -> None:
        self.authenticator = Authenticator(self.config, self.clock)
