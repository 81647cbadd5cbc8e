"""The commands as people run them: `mymedic api keys add|list|revoke` (the key shown once, only its digest
stored) and `mymedic api serve` (a real uvicorn on loopback); and a running API that moves to a newly
published copy without a restart."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from metrics_api_harness import A, Served
from support.paths import MYMEDIC, REPO

from benchmarks.loopback import free_port, wait_ready
from core.settings import API_KEYS_ENV, SERVING_ENV, warehouse_settings
from core.warehouse import open_warehouse
from serving.api.app import create_app
from serving.layout import ServingLayout
from serving.publish import publish_marts


def mymedic(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MYMEDIC, *args],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, **env}, timeout=120, check=False,
    )  # fmt: skip


def test_keys_are_shown_once_and_stored_as_digests(served: Served, tmp_path: Path) -> None:
    env = {API_KEYS_ENV: str(tmp_path / "keys.yaml"), SERVING_ENV: str(served.layout.root)}
    made = mymedic("api", "keys", "add", "--tenant", A, "--label", "metabase", env=env)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("mmk_") and len(key) > 40 and made.stdout.count("\n") == 1
    stored = (tmp_path / "keys.yaml").read_text()
    assert key not in stored and hashlib.sha256(key.encode()).hexdigest() in stored
    assert (tmp_path / "keys.yaml").stat().st_mode & 0o777 == 0o600
    assert "warning" not in made.stderr  # A is published in that serving folder

    listed = mymedic("api", "keys", "list", env=env)
    assert listed.returncode == 0 and f"{A}\tmetabase\t" in listed.stdout and key not in listed.stdout

    again = mymedic("api", "keys", "add", "--tenant", A, "--label", "metabase", env=env)
    assert again.returncode == 1 and again.stdout == ""
    assert (
        again.stderr
        == f"error: tenant {A} already has a key labelled 'metabase'; revoke it or pick another label\n"
    )

    bad = mymedic("api", "keys", "add", "--tenant", "../etc", "--label", "x", env=env)
    assert bad.returncode == 1 and bad.stderr.startswith("error: '../etc' is not a tenant id")
    assert "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1

    unpublished = mymedic("api", "keys", "add", "--tenant", "tnt_later", "--label", "x", env=env)
    assert unpublished.returncode == 0 and "warning: no serving copy of tnt_later" in unpublished.stderr

    assert mymedic("api", "keys", "revoke", "--tenant", A, "--label", "metabase", env=env).returncode == 0
    gone = mymedic("api", "keys", "revoke", "--tenant", A, "--label", "metabase", env=env)
    assert gone.returncode == 1 and "has no key labelled 'metabase'" in gone.stderr


@pytest.fixture
def server(served: Served, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, SERVING_ENV: str(served.layout.root)}
    with (tmp_path / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [MYMEDIC, "api", "serve", "--port", str(port), "--keys", str(served.keys_file)],
            stdout=log, stderr=subprocess.STDOUT, cwd=REPO, env=env,
        )  # fmt: skip
    try:
        wait_ready(base_url, process)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_answers_on_loopback(server: str, served: Served) -> None:
    with httpx.Client(base_url=server) as http:
        assert http.get("/openapi.json").json()["info"]["title"] == "MyMedic metrics API"
        answer = http.get("/v1/reconciliation/summary", headers=served.headers(A))
        assert answer.status_code == 200 and {r["tenant_id"] for r in answer.json()["data"]} == {A}
        assert http.get("/v1/reconciliation/summary").status_code == 401


def test_a_new_publication_is_served_without_a_restart(served: Served, tmp_path: Path) -> None:
    layout = ServingLayout(tmp_path / "serving")
    first, second = datetime(2026, 10, 6, 6, 0, tzinfo=UTC), datetime(2026, 10, 7, 6, 0, tzinfo=UTC)
    with open_warehouse(warehouse_settings(served.warehouse_url)) as w:
        publish_marts(w, layout, now=lambda: first)
    with TestClient(create_app(served.keys_file, layout)) as client:
        before = client.get("/v1/reconciliation/summary", headers=served.headers(A))
        assert before.json()["published_at"] == "2026-10-06T06:00:00Z"
        with open_warehouse(warehouse_settings(served.warehouse_url)) as w:
            publish_marts(w, layout, now=lambda: second)
        after = client.get("/v1/reconciliation/summary", headers=served.headers(A))
    assert after.json()["published_at"] == "2026-10-07T06:00:00Z"
    assert after.headers["X-Serving-Published-At"] == "2026-10-07T06:00:00Z"
    assert after.json()["data"] == before.json()["data"]
