"""The bundle's detached signature: HMAC-SHA256 of manifest.json's bytes under MYMEDIC_EXPORT_SIGNING_KEY.
`manifest.sig` is one line: `hmac-sha256 <key id> <hex digest>`, the key id being the first 16 hex digits
of the key's SHA-256 (names which key signed, reveals nothing of it)."""

from __future__ import annotations

import hashlib
import hmac

SCHEME = "hmac-sha256"


def key_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def sign(manifest: bytes, key: str) -> bytes:
    digest = hmac.new(key.encode(), manifest, hashlib.sha256).hexdigest()
    return f"{SCHEME} {key_id(key)} {digest}\n".encode()


def signature_matches(manifest: bytes, signature: bytes, key: str) -> bool:
    return hmac.compare_digest(sign(manifest, key), signature)
