"""Gateway orders and refunds for a tenant: Razorpay's Orders and Refunds APIs, or ids minted here (offline).

The mode is the tenant's `gateway.mode` setting. In `razorpay` mode the calls go through the platform's one
Razorpay client (`core.razorpay_client`: Basic auth, tenacity backoff with jitter on no answer,
5xx and 429). Every create is safe to retry, by Razorpay's documented idempotency:
- an order is created with `receipt` and `unique_receipt: true`, so the same receipt gives back the same
  order instead of a second one;
- a refund is created with the `X-Refund-Idempotency` header (the refund's receipt): same key, same refund.
Receipts are derived from our own rows (booking, purpose, sequence), so a repeated request derives the same.

Failures become one-line domain errors with no key material: Razorpay refusing our key pair (401/403) or
never answering is a 502 (the gateway, not the caller, is at fault); any other refusal (4xx, e.g. a refund
larger than what is left) is a 409 carrying Razorpay's description.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Protocol

from pydantic import ValidationError

from booking.domain.errors import BadGateway, Conflict
from booking.domain.ids import new_id
from booking.settings import PaymentGateway, TenantConfig
from core.razorpay_api import ORDERS_PATH, REFUND_IDEMPOTENCY_HEADER, Order, Refund, refund_path
from core.razorpay_client import RazorpayAPIError, RazorpayClient, RazorpayError
from core.settings import RazorpaySettings

USER_AGENT = "mymedic-booking/1.0 (+orders and refunds)"
RECEIPT_MAX = 40  # Razorpay: receipts are at most 40 characters


class Gateway(Protocol):
    def create_order(self, *, amount: int, currency: str, receipt: str, notes: dict[str, str]) -> str:
        """The gateway's id of a new order (or of the one already made with this receipt)."""
        ...

    def create_refund(self, *, payment_id: str, amount: int, receipt: str, notes: dict[str, str]) -> str:
        """The gateway's id of a new refund of `payment_id` (or of the one already made with this receipt)."""
        ...


def receipt(*parts: str) -> str:
    """A receipt naming our rows, `bk_…/deposit/1`; hashed to Razorpay's 40 characters when longer."""
    text = "/".join(parts)
    return text if len(text) <= RECEIPT_MAX else "h_" + hashlib.sha256(text.encode()).hexdigest()[:32]


class OfflineGateway:
    """No gateway: order and refund ids in Razorpay's style, minted here."""

    def create_order(self, *, amount: int, currency: str, receipt: str, notes: dict[str, str]) -> str:
        return new_id("order_")

    def create_refund(self, *, payment_id: str, amount: int, receipt: str, notes: dict[str, str]) -> str:
        return new_id("rfnd_")


class RazorpayGateway:
    """Razorpay's Orders and Refunds APIs with one tenant's key pair."""

    def __init__(self, config: PaymentGateway, *, sleep: Callable[[float], None] = time.sleep) -> None:
        assert config.key_id is not None and config.key_secret is not None  # the settings validate it
        settings = RazorpaySettings(
            key_id=config.key_id, key_secret=config.key_secret, api_url=str(config.api_base_url).rstrip("/")
        )
        self.refund_speed = config.refund_speed
        self._client = RazorpayClient(
            settings,
            sleep=sleep,
            attempts=config.attempts,
            max_wait=config.max_wait_seconds,
            timeout=config.timeout_seconds,
            user_agent=USER_AGENT,
        )

    def close(self) -> None:
        self._client.close()

    def create_order(self, *, amount: int, currency: str, receipt: str, notes: dict[str, str]) -> str:
        body = {
            "amount": amount,
            "currency": currency,
            "receipt": receipt,
            "notes": notes,
            "unique_receipt": True,
        }
        answer = self._call("order", lambda: self._client.post(ORDERS_PATH, body))
        try:
            return Order.model_validate_json(answer).id
        except ValidationError:
            raise BadGateway("the payment gateway answered the order request with no order id") from None

    def create_refund(self, *, payment_id: str, amount: int, receipt: str, notes: dict[str, str]) -> str:
        body = {"amount": amount, "speed": self.refund_speed, "notes": notes, "receipt": receipt}
        headers = {REFUND_IDEMPOTENCY_HEADER: receipt}
        answer = self._call("refund", lambda: self._client.post(refund_path(payment_id), body, headers))
        try:
            return Refund.model_validate_json(answer).id
        except ValidationError:
            raise BadGateway("the payment gateway answered the refund request with no refund id") from None

    @staticmethod
    def _call(what: str, call: Callable[[], bytes]) -> bytes:
        try:
            return call()
        except RazorpayAPIError as exc:
            said = f"{exc.status} {exc.code or 'error'}: {exc.description or '-'}"
            if exc.status in (401, 403):
                raise BadGateway(
                    f"the payment gateway refused this clinic's API keys ({said}); "
                    "an admin must check the tenant's gateway.key_id and key_secret"
                ) from None
            raise Conflict(f"the payment gateway refused the {what} ({said})") from None
        except RazorpayError as exc:
            raise BadGateway(f"the payment gateway is unavailable; retry shortly ({exc})") from None


class Gateways:
    """Each tenant's gateway, made once per gateway setting (a Razorpay gateway holds a connection pool)."""

    def __init__(self, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._sleep = sleep
        self._made: dict[PaymentGateway, RazorpayGateway] = {}
        self._lock = threading.Lock()

    def of(self, tenant: TenantConfig) -> Gateway:
        if tenant.gateway.mode == "offline":
            return OFFLINE
        with self._lock:
            made = self._made.get(tenant.gateway)
            if made is None:
                made = self._made[tenant.gateway] = RazorpayGateway(tenant.gateway, sleep=self._sleep)
            return made

    def close(self) -> None:
        with self._lock:
            for gateway in self._made.values():
                gateway.close()
            self._made.clear()


OFFLINE = OfflineGateway()
