"""Webhook signatures (outbound delivery: booking.services.partner_delivery).

Two inbound schemes:
- Razorpay: `X-Razorpay-Signature` = hex HMAC-SHA256 of the raw body with the webhook secret; replays are
  stopped by the `x-razorpay-event-id` receipt (Razorpay sends no signed timestamp).
- Ours, for every other partner (the meeting provider) and for our outbound webhooks:
  `X-MyMedic-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + raw body>`, rejected when `t` is more
  than the tolerance (5 minutes) away from now, plus an event-id receipt. Several `v1=` entries are allowed
  (secret rotation).
- Meta (WhatsApp Business webhooks): `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the
  app secret>`; Meta signs no timestamp, so replays are stopped by a receipt per status.
- SendGrid's signed Event Webhook: `X-Twilio-Email-Event-Webhook-Signature` = base64 ECDSA (P-256, SHA-256,
  DER) signature of `<X-Twilio-Email-Event-Webhook-Timestamp>` + raw body, verified with the public key
  SendGrid shows (base64 DER); the timestamp is held to the tolerance, plus a receipt per `sg_event_id`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Iterable

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from booking.domain.clock import Clock
from booking.domain.errors import Unauthorized

SIGNATURE_HEADER = "X-MyMedic-Signature"
EVENT_ID_HEADER = "X-MyMedic-Event-Id"
RAZORPAY_SIGNATURE_HEADER = "X-Razorpay-Signature"
RAZORPAY_EVENT_ID_HEADER = "X-Razorpay-Event-Id"
DEFAULT_TOLERANCE_S = 300
META_SIGNATURE_HEADER = "X-Hub-Signature-256"
SENDGRID_SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
SENDGRID_TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"


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


def meta_signature(app_secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` value Meta sends with `body`."""
    return "sha256=" + _hmac_hex(app_secret, body)


def matching_meta_secret(secrets: Iterable[str], header: str | None, body: bytes) -> str:
    """The app secret whose signature of `body` is `header` (constant-time). Raises Unauthorized."""
    if not header:
        raise Unauthorized(f"the {META_SIGNATURE_HEADER} header is missing")
    scheme, _, given = header.strip().partition("=")
    if scheme.lower() != "sha256" or not given:
        raise Unauthorized(f"{META_SIGNATURE_HEADER} must look like sha256=<hex hmac>")
    found = None
    for secret in secrets:
        if hmac.compare_digest(_hmac_hex(secret, body), given.lower()):
            found = secret
    if found is None:
        raise Unauthorized("the WhatsApp webhook signature does not match")
    return found


def verify_sendgrid(
    public_keys: Iterable[str],
    signature: str | None,
    timestamp: str | None,
    body: bytes,
    *,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    clock: Clock,
) -> str:
    """The verification key (as configured) whose ECDSA signature of timestamp + body is `signature`.
    Raises Unauthorized."""
    if not signature or not timestamp:
        raise Unauthorized(
            f"the {SENDGRID_SIGNATURE_HEADER} and {SENDGRID_TIMESTAMP_HEADER} headers are required"
        )
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise Unauthorized(f"{SENDGRID_TIMESTAMP_HEADER} must be unix seconds")
    away = int(clock.now().timestamp()) - int(timestamp)
    if abs(away) > tolerance_s:
        raise Unauthorized(
            f"the signature timestamp is {away} s away from now; more than {tolerance_s} s is refused "
            "(replay protection)"
        )
    try:
        der = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise Unauthorized(f"{SENDGRID_SIGNATURE_HEADER} is not base64") from None
    signed = timestamp.encode() + body
    for key_text in public_keys:
        try:
            key = serialization.load_der_public_key(base64.b64decode(key_text))
        except (binascii.Error, ValueError, UnsupportedAlgorithm):
            continue  # a key that isn't one verifies nothing
        if not isinstance(key, ec.EllipticCurvePublicKey):
            continue
        try:
            key.verify(der, signed, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            continue
        return key_text
    raise Unauthorized("the SendGrid event webhook signature does not match")
