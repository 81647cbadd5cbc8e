"""The staff identity provider's signing keys: inline, from a JWKS URL, or found by OIDC discovery.

- Discovery (OpenID Connect Discovery 1.0): `GET {issuer}/.well-known/openid-configuration`; the document's
  `issuer` must equal the configured issuer exactly (section 4.3), and its `jwks_uri` is where the keys are.
- Fetched keys are cached. A token naming a `kid` the cache lacks (the provider rotated its keys) makes one
  refresh, at most once per `key_refresh_seconds` by the injected clock, so a burst of made-up kids cannot
  make the service hammer the provider.
- The provider unreachable, or answering something that is not a discovery document or a JWKS, is a 503
  with one line (retry); a key still unknown after a refresh is a 401.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import httpx
import jwt
from pydantic import BaseModel, ConfigDict, HttpUrl, ValidationError

from booking.domain.clock import Clock
from booking.domain.errors import Unauthorized, Unavailable
from booking.settings import StaffAuth

DISCOVERY_PATH = "/.well-known/openid-configuration"


class DiscoveryDocument(BaseModel):
    """The parts of an OpenID Provider's configuration this service reads."""

    model_config = ConfigDict(extra="ignore")
    issuer: str
    jwks_uri: HttpUrl


def pick(keys: list[jwt.PyJWK], kid: str | None) -> jwt.PyJWK | None:
    """The key named `kid`; without a kid, the only key (several keys and no kid is refused)."""
    if kid is None:
        if len(keys) != 1:
            raise Unauthorized("bearer token has no 'kid' header and the JWKS holds several keys")
        return keys[0]
    return next((k for k in keys if k.key_id == kid), None)


class StaticKeys:
    """An inline JWKS from the configuration."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self._keys = list(jwt.PyJWKSet.from_dict(jwks).keys)

    def key(self, kid: str | None) -> Any:
        found = pick(self._keys, kid)
        if found is None:
            raise Unauthorized("bearer token is signed with an unknown key")
        return found.key

    def close(self) -> None:
        return None


class RemoteKeys:
    """Keys fetched from a JWKS URL, or from the `jwks_uri` the issuer's discovery document names."""

    def __init__(self, auth: StaffAuth, clock: Clock) -> None:
        self._issuer = auth.issuer
        self._jwks_uri = str(auth.jwks_url) if auth.jwks_url else None  # None: discover it
        self._interval = timedelta(seconds=auth.key_refresh_seconds)
        self._clock = clock
        self._http = httpx.Client(timeout=auth.http_timeout_seconds, headers={"Accept": "application/json"})
        self._keys: list[jwt.PyJWK] = []
        self._fetched_at: datetime | None = None
        self._failure: str | None = None  # why the last fetch failed, until one succeeds
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    def key(self, kid: str | None) -> Any:
        with self._lock:
            found = pick(self._keys, kid) if self._keys else None
            if found is None and self._may_fetch():
                self._fetch()
                found = pick(self._keys, kid) if self._keys else None
            failure = self._failure
        if found is not None:
            return found.key
        if failure is not None:
            raise Unavailable(f"the staff identity provider cannot be read ({failure}); retry shortly")
        raise Unauthorized("bearer token is signed with a key its issuer does not publish")

    def _may_fetch(self) -> bool:
        return self._fetched_at is None or self._clock.now() - self._fetched_at >= self._interval

    def _fetch(self) -> None:
        self._fetched_at = self._clock.now()
        try:
            uri = self._jwks_uri or self._discover()
            self._keys = list(jwt.PyJWKSet.from_dict(self._get(uri)).keys)
        except _Unreadable as exc:
            self._failure = str(exc)
            return
        except jwt.PyJWKSetError as exc:
            self._failure = f"its JWKS holds no usable key: {exc}"
            return
        self._failure = None

    def _discover(self) -> str:
        url = self._issuer.rstrip("/") + DISCOVERY_PATH
        try:
            document = DiscoveryDocument.model_validate(self._get(url))
        except ValidationError:
            raise _Unreadable(f"{url} is not an OpenID configuration with issuer and jwks_uri") from None
        if document.issuer != self._issuer:
            raise _Unreadable(
                f"{url} names issuer {document.issuer!r}, not the configured {self._issuer!r}; "
                "fix staff_auth.issuer"
            )
        self._jwks_uri = str(document.jwks_uri)
        return self._jwks_uri

    def _get(self, url: str) -> Any:
        try:
            response = self._http.get(url)
        except httpx.HTTPError as exc:
            raise _Unreadable(f"GET {url} got no answer: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise _Unreadable(f"GET {url} answered {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise _Unreadable(f"GET {url} did not answer JSON") from None


class _Unreadable(Exception):
    """The provider could not be read; the message is one line saying where and why."""


def staff_keys(auth: StaffAuth, clock: Clock) -> StaticKeys | RemoteKeys:
    return StaticKeys(auth.jwks) if auth.jwks is not None else RemoteKeys(auth, clock)
