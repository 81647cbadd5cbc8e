"""Who is calling, and for which tenant: tenant API keys (portal, widgets) or staff bearer JWTs.

API keys are configured only as SHA-256 digests. Staff JWTs are verified with PyJWT against the identity
provider's keys (inline, a JWKS URL, or OIDC discovery: `booking/integrations/staff_keys.py`), with issuer, audience,
expiry and an allow-listed algorithm; the tenant comes from a claim and must be a configured tenant, the
roles claim must hold a staff role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import jwt

from booking.domain.clock import Clock, SystemClock
from booking.domain.errors import Forbidden, Unauthorized
from booking.integrations.staff_keys import staff_keys
from booking.settings import BookingConfig, TenantConfig, hash_api_key

Kind = Literal["api_key", "staff", "widget"]
STAFF_PREFIX = "staff:"
# the audit trail's actor column holds 200 characters: `staff:` and the token's `sub`
MAX_SUBJECT = 200 - len(STAFF_PREFIX)


@dataclass(frozen=True, slots=True)
class Principal:
    tenant: TenantConfig
    kind: Kind
    actor: str
    roles: frozenset[str] = frozenset()

    @property
    def tenant_id(self) -> str:
        return self.tenant.tenant_id

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"


class Authenticator:
    def __init__(self, config: BookingConfig, clock: Clock | None = None) -> None:
        self._tenants = {t.tenant_id: t for t in config.tenants}
        self._api_keys = {k.sha256: (t, k.key_id) for t in config.tenants for k in t.api_keys}
        self._auth = config.staff_auth
        self._keys = staff_keys(config.staff_auth, clock or SystemClock()) if config.staff_auth else None

    def close(self) -> None:
        if self._keys is not None:
            self._keys.close()

    def from_api_key(self, key: str) -> Principal:
        found = self._api_keys.get(hash_api_key(key))
        if found is None:
            raise Unauthorized("the API key is not valid")
        tenant, key_id = found
        return Principal(
            tenant=tenant, kind="api_key", actor=f"api_key:{key_id}", roles=frozenset({"portal"})
        )

    def from_bearer(self, token: str) -> Principal:
        if self._auth is None or self._keys is None:
            raise Unauthorized("staff sign-in is not configured on this service")
        auth = self._auth
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("the bearer token is not a JWT") from None
        if header.get("alg") not in auth.algorithms:
            raise Unauthorized(f"bearer token algorithm {header.get('alg')!r} is not accepted")
        try:
            key = self._keys.key(header.get("kid"))
            claims = jwt.decode(
                token,
                key,
                algorithms=list(auth.algorithms),
                audience=auth.audience,
                issuer=auth.issuer,
                leeway=auth.leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the bearer token has expired") from None
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"the bearer token is not valid: {exc}") from None
        tenant = self._tenants.get(str(claims.get(auth.tenant_claim, "")))
        if tenant is None:
            raise Unauthorized(
                f"the bearer token's {auth.tenant_claim!r} claim names no tenant of this service"
            )
        raw_roles = claims.get(auth.roles_claim) or []
        roles = (
            frozenset(r for r in raw_roles if isinstance(r, str))
            if isinstance(raw_roles, list)
            else frozenset()
        )
        if not roles & set(auth.staff_roles):
            raise Forbidden(f"the bearer token holds no staff role ({', '.join(auth.staff_roles)})")
        subject = str(claims["sub"])
        if len(subject) > MAX_SUBJECT:
            raise Unauthorized(f"the bearer token's 'sub' claim is longer than {MAX_SUBJECT} characters")
        return Principal(tenant=tenant, kind="staff", actor=f"{STAFF_PREFIX}{subject}", roles=roles)

    def authenticate(self, api_key: str | None, bearer: str | None) -> Principal:
        if bearer:
            return self.from_bearer(bearer)
        if api_key:
            return self.from_api_key(api_key)
        raise Unauthorized("send a tenant API key (X-API-Key) or a staff bearer token")
