"""An identity provider of our own for staff sign-in: an RSA key pair, its JWKS, and signed staff JWTs
(the booking service's and the operator page's staff_auth)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

TENANT = "tnt_arogya"
ISSUER = "https://id.mymedic.test/"
AUDIENCE = "mymedic-booking"


@dataclass
class StaffKeys:
    """An identity provider of our own: an RSA key pair and its JWKS."""

    private: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    kid: str = "test-key-1"

    @property
    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def token(
        self,
        tenant_id: str = TENANT,
        *,
        sub: str = "staff-001",
        roles: list[str] | None = None,
        expires_in: int = 600,
        audience: str = AUDIENCE,
        issuer: str = ISSUER,
        key: rsa.RSAPrivateKey | None = None,
    ) -> str:
        now = int(datetime.now(UTC).timestamp())
        claims = {
            "iss": issuer,
            "aud": audience,
            "sub": sub,
            "iat": now,
            "exp": now + expires_in,
            "tenant_id": tenant_id,
            "roles": roles if roles is not None else ["staff"],
        }
        return jwt.encode(claims, key or self.private, algorithm="RS256", headers={"kid": self.kid})
