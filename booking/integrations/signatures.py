"""Webhook signatures (outbound delivery: booking.services.partner_delivery).

Two inbound schemes:
- Razorpay: `X-Razorpay-Signature` = hex HMAC-SHA256 of the raw body with the webhook secret; replays are
  stopped by the `x-razorpay-event-id` receipt (Razorpay sends no signed timestamp).
- Ours, for every other partner (the meeting provider) and for our outbound webhooks:
  `X-MyMedic-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + raw body>`, rejected when `t` is more
  than the tolerance (5 minutes) away from now, plus an event-id receipt. Several `v1=` entries are allowed
  (secret rotation).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable

from booking.domain.clock import Clock
from booking.domain.errors import Unauthorized

SIGNATURE_HEADER = "X-MyMedic-Signature"
EVENT_ID_HEADER = "X-MyMedic-Event-Id"
RAZORPAY_SIGNATURE_HEADER = "X-Razorpay-Signature"
RAZORPAY_EVENT_ID_HEADER = "X-Razorpay-Event-Id"
DEFAULT_TOLERANCE_S = 300


def _hmac_hex(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def razorpay_signature(secret: str, body: bytes) -> str:
    return _hmac_hex(secret, body)


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The `t=…,v1=…` header value for `body`."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={_hmac_hex(secret, f'{t}.'.encode() + body)}"


def matching_secret(secrets: Iterable[str], signature: str, body: bytes) -> str | None:
    """The Razorpay secret whose signature of `body` equals `signature` (constant-time), if any."""
    found = None
    for secret in secrets:
        if hmac.compare_digest(razorpay_signature(secret, body), signature.strip().lower()):
            found = secret
    return found


def parse_signature(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            if not value.isdigit() or len(value) > 12:
                raise Unauthorized(f"{SIGNATURE_HEADER} has a malformed timestamp")
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value.lower())
    if timestamp is None or not signatures:
        raise Unauthorized(f"{SIGNATURE_HEADER} must look like t=<unix seconds>,v1=<hex hmac>")
    return timestamp, signatures


def verify_timestamped(
    secrets: Iterable[str],
    header: str | None,
    body: bytes,
    *,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    clock: Clock,
) -> str:
    """Check a `t=…,v1=…` signature against `clock`; returns the secret that signed it. Raises Unauthorized."""
    if not header:
        raise Unauthorized(f"the {SIGNATURE_HEADER} header is missing")
    timestamp, signatures = parse_signature(header)
    current = clock.now().timestamp()
    if abs(current - timestamp) > tolerance_s:
        raise Unauthorized(
            f"the signature timestamp is {int(current - timestamp)} s away from now; "
            f"more than {tolerance_s} s is refused (replay protection)"
        )
    signed = f"{timestamp}.".encode() + body
    found = None
    for secret in secrets:
        expected = _hmac_hex(secret, signed)
        for candidate in signatures:
            if hmac.compare_digest(expected, candidate):
                found = secret
    if found is None:
        raise Unauthorized("the webhook signature does not match")
    return found
