"""Staff sign-in by OIDC discovery against a real local OpenID provider that rotates its keys: keys found
through `/.well-known/openid-configuration`, refreshed on an unknown `kid` at most once per interval (by the
injected clock), issuer / audience / expiry verified, and an unreachable provider a one-line 503."""

from __future__ import annotations

import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from booking_harness import AUDIENCE, TENANT, StaffKeys, make_config
from fastapi.testclient import TestClient
from oidc_issuer import DISCOVERY, JWKS, Issuer, serve
from pydantic import ValidationError

from booking.api.app import create_app
from booking.domain.clock import ManualClock
from booking.settings import StaffAuth

REFRESH = 60
STAFF_ONLY = "/v1/audit-events?entity_id=bk_none"


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    with serve() as running:
        yield running


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    shutil.copyfile(sqlite_template, tmp_path / "booking.db")
    return f"sqlite:///{tmp_path / 'booking.db'}"


Client = Callable[..., TestClient]


@pytest.fixture
def client(sqlite_url: str, clock: ManualClock, staff_keys: StaffKeys) -> Iterator[Client]:
    """A running booking service whose staff_auth is the given setting (the app is closed afterwards)."""
    opened: list[TestClient] = []

    def make(**staff_auth: Any) -> TestClient:
        auth = StaffAuth.model_validate({"audience": AUDIENCE, **staff_auth})
        config = make_config(staff_keys).model_copy(update={"staff_auth": auth})
        opened.append(TestClient(create_app(config, db_url=sqlite_url, clock=clock)).__enter__())
        return opened[-1]

    yield make
    for c in opened:
        c.__exit__(None, None, None)


def discovering(issuer: Issuer, **extra: Any) -> dict[str, Any]:
    return {"discovery": True, "issuer": issuer.url, "key_refresh_seconds": REFRESH, **extra}


def bearer(keys: StaffKeys, issuer: Issuer, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {keys.token(TENANT, issuer=claims.pop('iss', issuer.url), **claims)}"}


def call(http: TestClient, headers: dict[str, str]) -> httpx.Response:
    return http.get(STAFF_ONLY, headers=headers)


def test_keys_are_found_by_discovery_and_cached(client: Client, issuer: Issuer) -> None:
    http = client(**discovering(issuer))
    for _ in range(3):
        assert call(http, bearer(issuer.current, issuer)).status_code == 200
    assert issuer.hits == {DISCOVERY: 1, JWKS: 1}


def test_a_token_signed_by_the_rotated_key_is_accepted_after_one_refresh(
    client: Client, issuer: Issuer, clock: ManualClock
) -> None:
    http = client(**discovering(issuer))
    old = issuer.current
    assert call(http, bearer(old, issuer)).status_code == 200
    clock.advance(seconds=REFRESH)  # the provider rotates some time after our last fetch
    new = issuer.rotate("key-2")
    assert call(http, bearer(new, issuer)).status_code == 200
    assert issuer.hits == {DISCOVERY: 1, JWKS: 2}
    assert call(http, bearer(new, issuer)).status_code == 200  # cached: no third fetch
    refused = call(http, bearer(old, issuer))  # the withdrawn key no longer signs for the provider
    assert refused.status_code == 401 and issuer.hits[JWKS] == 2


def test_a_burst_of_unknown_kids_fetches_the_keys_at_most_once_per_interval(
    client: Client, issuer: Issuer, clock: ManualClock
) -> None:
    http = client(**discovering(issuer))
    assert call(http, bearer(issuer.current, issuer)).status_code == 200
    forger = StaffKeys(kid="forged")
    for round_ in range(3):
        for _ in range(15):
            forger.kid = f"forged-{uuid.uuid4().hex[:8]}"
            refused = call(http, bearer(forger, issuer))
            assert refused.status_code == 401
            assert refused.json()["detail"] == "bearer token is signed with a key its issuer does not publish"
        assert issuer.hits[JWKS] == 1 + round_  # the first fetch, then one more per interval
        clock.advance(seconds=REFRESH)
    assert issuer.hits[DISCOVERY] == 1


def test_a_token_of_another_issuer_is_refused(client: Client, issuer: Issuer) -> None:
    http = client(**discovering(issuer))
    other = call(http, bearer(issuer.current, issuer, iss="https://id.elsewhere.example/"))
    assert (
        other.status_code == 401 and other.json()["detail"] == "the bearer token is not valid: Invalid issuer"
    )
    expired = call(http, bearer(issuer.current, issuer, expires_in=-3600))
    assert expired.status_code == 401 and expired.json()["detail"] == "the bearer token has expired"
    wrong_audience = call(http, bearer(issuer.current, issuer, audience="another-app"))
    assert wrong_audience.status_code == 401 and "Audience" in wrong_audience.json()["detail"]


def test_a_discovery_document_naming_another_issuer_is_a_503_saying_what_to_fix(
    client: Client, issuer: Issuer
) -> None:
    issuer.claims_issuer = "https://id.elsewhere.example"
    answer = call(client(**discovering(issuer)), bearer(issuer.current, issuer))
    assert answer.status_code == 503
    assert answer.json()["detail"] == (
        f"the staff identity provider cannot be read ({issuer.url}{DISCOVERY} names issuer "
        f"'https://id.elsewhere.example', not the configured '{issuer.url}'; fix staff_auth.issuer); "
        "retry shortly"
    )
    assert issuer.hits[JWKS] == 0


def test_an_unreachable_provider_is_a_one_line_503_until_it_answers_again(
    client: Client, clock: ManualClock
) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on (yet)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = f"http://127.0.0.1:{port}"
    http = client(discovery=True, issuer=down, key_refresh_seconds=REFRESH)
    keys = StaffKeys(kid="key-1")
    headers = {"Authorization": f"Bearer {keys.token(TENANT, issuer=down)}"}
    answer = http.get(STAFF_ONLY, headers=headers)
    assert answer.status_code == 503
    assert answer.json()["detail"] == (
        f"the staff identity provider cannot be read (GET {down}{DISCOVERY} got no answer: ConnectError); "
        "retry shortly"
    )
    # portal callers are not affected
    assert http.get("/v1/branches", headers={"X-API-Key": "pk_arogya_portal_0123456789"}).status_code == 200
    with serve(Issuer(keys=[keys]), port=port) as back:
        assert http.get(STAFF_ONLY, headers=headers).status_code == 503  # not asked again within the interval
        assert back.hits == {}
        clock.advance(seconds=REFRESH)
        assert http.get(STAFF_ONLY, headers=headers).status_code == 200
        assert back.hits == {DISCOVERY: 1, JWKS: 1}


def test_a_static_jwks_url_still_works_and_refreshes_on_rotation(
    client: Client, issuer: Issuer, clock: ManualClock
) -> None:
    http = client(jwks_url=f"{issuer.url}{JWKS}", issuer=issuer.url, key_refresh_seconds=REFRESH)
    assert call(http, bearer(issuer.current, issuer)).status_code == 200
    clock.advance(seconds=REFRESH)
    assert call(http, bearer(issuer.rotate("key-2"), issuer)).status_code == 200
    assert issuer.hits == {JWKS: 2}  # no discovery in this mode


@pytest.mark.parametrize(
    ("setting", "why"),
    [
        ({"discovery": True, "issuer": "http://id.example.com"}, "https issuer URL"),
        ({"discovery": True, "jwks": {"keys": []}, "issuer": "https://id.example.com"}, "exactly one of"),
        ({"issuer": "https://id.example.com"}, "exactly one of"),
    ],
)
def test_the_key_source_setting_is_checked(setting: dict[str, Any], why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        StaffAuth.model_validate({"audience": AUDIENCE, **setting})
