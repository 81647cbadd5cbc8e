"""`mymedic booking …`: seed, serve (a real process on loopback), export-events."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
from booking_harness import KEYS, START, TENANT, Harness, directory, slot
from typer.testing import CliRunner

from booking.domain.clock import IST
from booking.settings import hash_api_key
from mymedic.cli import app

TOMORROW = START.astimezone(IST).date() + timedelta(days=1)


def _lines(folder: Path) -> list[dict]:
    return [
        json.loads(line) for path in sorted(folder.glob("*.ndjson")) for line in path.read_text().splitlines()
    ]


def test_cli_export_events_prints_a_summary(harness: Harness, tmp_path: Path) -> None:
    harness.booked("doc_blr01_01", slot(TOMORROW, "10:00"))
    out = tmp_path / "events"
    runner = CliRunner()
    result = runner.invoke(app, ["booking", "export-events", "--out", str(out), "--db", harness.db_url])
    assert result.exit_code == 0, result.output
    assert "Exported 2 events" in result.output and "appointment.booked" in result.output
    again = runner.invoke(app, ["booking", "export-events", "--out", str(out), "--db", harness.db_url])
    assert again.exit_code == 0 and "No new events" in again.output
    assert len(_lines(out)) == 2


def test_seed_then_serve_on_loopback(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'served.db'}"
    (tmp_path / "directory.json").write_text(directory().model_dump_json())
    seeded = CliRunner().invoke(
        app, ["booking", "seed", "--file", str(tmp_path / "directory.json"), "--db", db]
    )
    assert seeded.exit_code == 0, seeded.output
    assert seeded.output.startswith("2 tenants, 3 branches, 5 doctors")
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "tenants": [
                    {
                        "tenant_id": TENANT,
                        "api_keys": [{"key_id": "web", "sha256": hash_api_key(KEYS[TENANT])}],
                    }
                ]
            }
        )
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "mymedic.cli", "booking", "serve", "--port", str(port), "--db", db,
         "--config", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy(),
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).json() == {"status": "ok", "database": "sqlite"}:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, "the service did not start"
            time.sleep(0.1)
        assert httpx.get(f"{base}/docs").status_code == 200
        assert "/v1/bookings" in httpx.get(f"{base}/openapi.json").json()["paths"]
        branches = httpx.get(f"{base}/v1/branches", headers={"X-API-Key": KEYS[TENANT]})
        assert [b["branch_id"] for b in branches.json()] == ["br_blr01", "br_mum01"]
    finally:
        process.terminate()
        process.wait(timeout=10)
