"""A small client for Superset's REST API (`/api/v1`), on httpx.

superset-api-client (the design's first choice) was tried against Superset 6.1 and is not used: its
objects take their writable fields from `/api/v1/<object>/_info`, which answers 500 for databases
(KeyError 'encrypted_extra' in Superset) and lists only `slice_name` as a chart's editable field, so it
can neither create the database nor update a chart; its OAuth2 session refuses http:// (even on
127.0.0.1) unless OAUTHLIB_INSECURE_TRANSPORT is set for the whole process; and its last release is from
2022. This client uses the documented shapes: JWT login, a CSRF token for writes, rison-or-JSON `q`
filters on list endpoints.
"""

from __future__ import annotations

import json
from typing import Any, Self

import httpx
from pydantic import SecretStr

PAGE_SIZE = 100


class SupersetError(RuntimeError):
    """Superset refused or failed a request; the message is one line with its status and answer."""


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return " ".join(response.text.split())[:300]
    detail = body.get("message") or body.get("errors") or body.get("msg") or body
    return " ".join(json.dumps(detail, ensure_ascii=False).split())[:300]


class SupersetClient:
    def __init__(self, url: str, username: str, password: SecretStr, *, timeout: float = 60) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=f"{self.url}/api/v1", timeout=timeout)
        self._username = username
        self._password = password

    def __repr__(self) -> str:
        return f"SupersetClient({self.url!r}, user={self._username!r})"

    def __enter__(self) -> Self:
        self.login()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def login(self) -> None:
        try:
            response = self._http.post(
                "/security/login",
                json={
                    "username": self._username,
                    "password": self._password.get_secret_value(),
                    "provider": "db",
                    "refresh": True,
                },
            )
        except httpx.HTTPError as error:
            raise SupersetError(f"cannot reach Superset at {self.url}: {error}") from None
        if response.status_code == 401:
            raise SupersetError(f"Superset at {self.url} refused user {self._username!r}: check the password")
        self._check(response, "log in")
        self._http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        csrf = self._check(self._http.get("/security/csrf_token/"), "get a CSRF token")
        self._http.headers["X-CSRFToken"] = csrf["result"]
        self._http.headers["Referer"] = self.url

    def _check(self, response: httpx.Response, what: str) -> dict[str, Any]:
        if response.is_error:
            raise SupersetError(
                f"Superset could not {what}: HTTP {response.status_code} {_message(response)}"
            )
        return response.json() if response.content else {}

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return self._check(self._http.get(path, params=params or None), f"read {path}")

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._check(self._http.post(path, json=body), f"create {path}")

    def put(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._check(self._http.put(path, json=body), f"update {path}")

    def find(self, kind: str, **equal: Any) -> list[dict[str, Any]]:
        """Every `kind` (database, dataset, chart, dashboard) whose columns equal the given values."""
        filters = [{"col": col, "opr": "eq", "value": value} for col, value in equal.items()]
        found: list[dict[str, Any]] = []
        page = 0
        while True:
            q = json.dumps({"filters": filters, "page": page, "page_size": PAGE_SIZE})
            result = self.get(f"/{kind}/", q=q)["result"]
            found += result
            if len(result) < PAGE_SIZE:
                return found
            page += 1

    def count(self, kind: str) -> int:
        return int(self.get(f"/{kind}/", q=json.dumps({"page_size": 1}))["count"])

    def chart_data(self, chart_id: int) -> list[dict[str, Any]]:
        """The rows the chart's saved query context answers with."""
        [result] = self.get(f"/chart/{chart_id}/data/", format="json", type="full")["result"]
        if result.get("error"):
            raise SupersetError(f"chart {chart_id}: {result['error']}")
        return result["data"]
