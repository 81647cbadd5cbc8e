"""Every refusal is a 4xx (or a 503 for the operator's side) with one line saying what is wrong and what to
do; never a 500, never a traceback, never the key."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient
from metrics_api_harness import NOW, A, Served

from serving.api.app import create_app
from serving.api.keys import add_key

EXCEPTIONS = "/v1/reconciliation/exceptions"
DAILY = "/v1/metrics/branch-daily"
SUMMARY = "/v1/reconciliation/summary"

CASES = [
    # (what, url, headers beyond A's key (None: no key at all), status, words the detail must hold)
    ("missing key", DAILY, None, 401, ["X-API-Key", "mymedic api keys add"]),
    ("bad key", DAILY, {"X-API-Key": "mmk_not-a-key"}, 401, ["API key is not valid"]),
    ("bad date", f"{EXCEPTIONS}?from=2026-02-30", {}, 422, ["query.from", "valid date"]),
    ("not a date", f"{SUMMARY}?to=yesterday", {}, 422, ["query.to", "valid date"]),
    ("bad range", f"{DAILY}?from=2026-10-05&to=2026-10-01", {}, 400, ["from (2026-10-05) is after to (2026-10-01)"]),
    ("limit 0", f"{DAILY}?limit=0", {}, 422, ["query.limit", "greater than or equal to 1"]),
    ("limit too big", f"{EXCEPTIONS}?limit=1001", {}, 422, ["query.limit", "less than or equal to 1000"]),
    ("limit not a number", f"{EXCEPTIONS}?limit=ten", {}, 422, ["query.limit", "valid integer"]),
    ("unknown status", f"{SUMMARY}?status=settled", {}, 422, ["query.status", "'matched'", "'in_transit'"]),
    ("not an exception status", f"{EXCEPTIONS}?status=matched", {}, 422, ["query.status", "'settlement_overdue'"]),
    ("unknown branch", f"{SUMMARY}?branch=br_nowhere", {}, 404, ["your data has no branch br_nowhere"]),
    ("bad cursor", f"{DAILY}?cursor=bm90LWEtY3Vyc29y", {}, 400, ["cursor", "first page"]),
    ("bad Accept", DAILY, {"Accept": "application/xml"}, 406, ["application/json or text/csv", "Accept"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("url", "extra", "status", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_refusal_says_what_is_wrong_in_one_line(
    client: TestClient, served: Served, url: str, extra: dict[str, str] | None, status: int, words: list[str]
) -> None:
    headers = {} if extra is None else {**served.headers(A), **extra}
    response = client.get(url, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    detail = response.json()["detail"]
    assert "\n" not in detail and len(detail) < 300
    assert all(word in detail for word in words), detail
    assert served.keys[A] not in response.text
    if status == 401:
        assert response.headers["WWW-Authenticate"] == 'ApiKey header="X-API-Key"'


def test_a_tenant_not_published_yet_is_told_so(served: Served, tmp_path) -> None:
    keys_file = tmp_path / "keys.yaml"
    key = add_key(keys_file, "tnt_new_chain", "tests", now=NOW)
    with TestClient(create_app(keys_file, served.layout)) as client:
        response = client.get(SUMMARY, headers={"X-API-Key": key})
    assert response.status_code == 503
    assert response.json()["detail"].startswith("no serving copy of your data is published yet")


def test_a_broken_key_file_is_the_operators_problem_not_the_callers(served: Served, tmp_path) -> None:
    keys_file = tmp_path / "keys.yaml"
    keys_file.write_text("not: [valid", encoding="utf-8")
    with TestClient(create_app(keys_file, served.layout)) as client:
        response = client.get(SUMMARY, headers=served.headers(A))
    assert response.status_code == 503
    assert str(tmp_path) not in response.text and "operator" in response.json()["detail"]


def test_healthz_needs_no_key(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_key_file_naming_no_valid_tenant_is_refused_whole(served: Served, tmp_path) -> None:
    """A hand-edited file whose tenant could name a folder outside the serving layout is not read."""
    keys_file = tmp_path / "keys.yaml"
    digest = hashlib.sha256(b"mmk_by-hand").hexdigest()
    keys_file.write_text(f"{digest}:\n  tenant: '..'\n  label: x\n  created_at: 2026-10-06T09:00:00Z\n")
    with TestClient(create_app(keys_file, served.layout)) as client:
        response = client.get(SUMMARY, headers={"X-API-Key": "mmk_by-hand"})
    assert response.status_code == 503 and "operator" in response.json()["detail"]
