"""A local OpenID provider on 127.0.0.1 (a free port) for the staff sign-in tests: the discovery document
(`/.well-known/openid-configuration`: issuer, jwks_uri, ...) and the JWKS it points to, with keys that
rotate. It counts every request per path, so a test can see how often the service fetched the keys."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from booking_harness import StaffKeys
from support.loopback_http import serve_http

DISCOVERY = "/.well-known/openid-configuration"
JWKS = "/oauth2/v1/keys"


@dataclass
class Issuer:
    keys: list[StaffKeys] = field(default_factory=lambda: [StaffKeys(kid="key-1")])
    url: str = ""
    claims_issuer: str | None = None  # what the discovery document says its issuer is (default: url)
    hits: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def current(self) -> StaffKeys:
        return self.keys[-1]

    def rotate(self, kid: str) -> StaffKeys:
        """A new signing key; the old one is withdrawn (as after a provider's rotation completes)."""
        with self.lock:
            self.keys = [StaffKeys(kid=kid)]
            return self.keys[-1]

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.claims_issuer or self.url,
            "authorization_endpoint": f"{self.url}/oauth2/v1/authorize",
            "token_endpoint": f"{self.url}/oauth2/v1/token",
            "jwks_uri": f"{self.url}{JWKS}",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k for keys in self.keys for k in keys.jwks["keys"]]}


def _handler(state: Issuer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with state.lock:
                state.hits[self.path] += 1
                body = (
                    state.discovery()
                    if self.path == DISCOVERY
                    else state.jwks()
                    if self.path == JWKS
                    else None
                )
            raw = json.dumps(body if body is not None else {"error": "not_found"}).encode()
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return None

    return Handler


@contextmanager
def serve(state: Issuer | None = None, port: int = 0) -> Iterator[Issuer]:
    """Run the provider on 127.0.0.1 (`port`, or a free one) for the `with` block; `state.url` is its issuer."""
    state = state or Issuer()
    with serve_http(_handler(state), name="oidc-issuer", port=port) as url:
        state.url = url
        yield state
