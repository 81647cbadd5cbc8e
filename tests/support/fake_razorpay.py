"""A real HTTP server on 127.0.0.1 (a free port) that answers like the Razorpay API, for tests without a network.

It speaks the documented shapes: HTTP Basic auth with a key pair (401 and Razorpay's error body
otherwise), `GET /v1/settlements/recon/combined?year=&month=&day=&count=&skip=` paginated by count/skip
(count 1..1000, else 400 BAD_REQUEST_ERROR), `GET /v1/refunds/{id}` (the refund entity, or 400 "The id
provided does not exist"). A test scripts failures ahead (`fail_next(429, retry_after=…)`, `fail_next(503)`)
and reads back every request it received (`requests`).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse

from support.loopback import serve_http

KEY_ID = "rzp_test_MyMedicKey01"
KEY_SECRET = "s3cr3t-RZP-key-Do-Not-Log-9f8e7d"


def error_body(code: str, description: str, **extra: Any) -> bytes:
    error = {"code": code, "description": description, "source": "NA", "step": "NA", "reason": "NA",
             "metadata": {}, "field": extra.get("field")}  # fmt: skip
    return json.dumps({"error": error}).encode()


@dataclass
class Failure:
    status: int
    retry_after: str | None = None
    body: bytes = b""


@dataclass
class Request:
    path: str
    query: dict[str, str]
    authorized: bool


@dataclass
class FakeRazorpay:
    """What the server knows: recon items per settlement day, refunds by id, and scripted failures."""

    recon: dict[date, list[dict[str, Any]]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, *, retry_after: str | None = None, body: bytes | None = None) -> None:
        default = (
            error_body("BAD_REQUEST_ERROR", "Too many requests")
            if status == 429
            else error_body(
                "SERVER_ERROR", "We are facing some trouble completing your request at the moment"
            )
        )
        self.failures.append(Failure(status, retry_after, default if body is None else body))

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, bytes]:
        if path == "/v1/settlements/recon/combined":
            return self._recon(query)
        if path.startswith("/v1/refunds/"):
            refund = self.refunds.get(path.removeprefix("/v1/refunds/"))
            if refund is None:
                return 400, error_body("BAD_REQUEST_ERROR", "The id provided does not exist")
            return 200, json.dumps(refund).encode()
        return 404, error_body("BAD_REQUEST_ERROR", "The requested URL was not found on the server.")

    def _recon(self, query: dict[str, str]) -> tuple[int, bytes]:
        try:
            day = date(int(query["year"]), int(query["month"]), int(query.get("day", "1")))
            count = int(query.get("count", "10"))
            skip = int(query.get("skip", "0"))
        except (KeyError, ValueError):
            return 400, error_body("BAD_REQUEST_ERROR", "The year field is required.", field="year")
        if not 1 <= count <= 1000:
            return 400, error_body(
                "BAD_REQUEST_ERROR", "The count may not be greater than 1000.", field="count"
            )
        items = self.recon.get(day, [])[skip : skip + count]
        return 200, json.dumps({"entity": "collection", "count": len(items), "items": items}).encode()


def _authorized(header: str | None) -> bool:
    expected = base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()
    return header == f"Basic {expected}"


def _handler(state: FakeRazorpay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            authorized = _authorized(self.headers.get("Authorization"))
            with state.lock:
                state.requests.append(Request(url.path, query, authorized))
                failure = state.failures.pop(0) if state.failures and authorized else None
            headers: dict[str, str] = {}
            if not authorized:
                status, body = 401, error_body("BAD_REQUEST_ERROR", "Authentication failed")
            elif failure:
                status, body = failure.status, failure.body
                if failure.retry_after is not None:
                    headers["Retry-After"] = failure.retry_after
            else:
                status, body = state.answer(url.path, query)
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return None

    return Handler


@contextmanager
def serve(state: FakeRazorpay | None = None) -> Iterator[FakeRazorpay]:
    """Run the fake Razorpay on 127.0.0.1 for the `with` block; `state.url` is its base URL."""
    state = state or FakeRazorpay()
    with serve_http(_handler(state), "fake-razorpay") as url:
        state.url = url
        yield state


def recon_item(entity_id: str, settlement_day: date, **overrides: Any) -> dict[str, Any]:
    """A recon item as the API returns it (booleans, nulls, notes as an object), a UPI payment by default."""
    amount = int(overrides.pop("amount", 50000))
    fee = amount * 59 // 10000  # 0.5% MDR + 18% GST on it
    morning = datetime(settlement_day.year, settlement_day.month, settlement_day.day, 6, tzinfo=UTC)
    settled_at = int(overrides.pop("settled_at", morning.timestamp()))
    item: dict[str, Any] = {
        "entity_id": entity_id, "type": "payment", "debit": 0, "credit": amount - fee, "amount": amount,
        "currency": "INR", "fee": fee, "tax": fee * 18 // 118, "on_hold": False, "settled": True,
        "created_at": settled_at - 2 * 86400, "settled_at": settled_at, "settlement_id": "setl_FAKE0001",
        "posted_at": None, "credit_type": "default", "description": None,
        "notes": {"booking_id": f"bk_{entity_id}", "branch_id": "BLR01"}, "payment_id": entity_id,
        "settlement_utr": "UTIBN62026101200001", "order_id": f"order_{entity_id}", "order_receipt": None,
        "method": "upi", "card_network": None, "card_issuer": None, "card_type": None, "dispute_id": None,
    }  # fmt: skip
    item.update(overrides)
    return item


def refund_entity(
    refund_id: str, payment_id: str, amount: int, status: str, **overrides: Any
) -> dict[str, Any]:
    """A refund entity as `GET /v1/refunds/{id}` returns it."""
    entity: dict[str, Any] = {
        "id": refund_id, "entity": "refund", "amount": amount, "currency": "INR", "payment_id": payment_id,
        "notes": [], "receipt": None, "acquirer_data": {"arn": None}, "created_at": 1760000000,
        "batch_id": None, "status": status, "speed_processed": "normal", "speed_requested": "normal",
    }  # fmt: skip
    entity.update(overrides)
    return entity
