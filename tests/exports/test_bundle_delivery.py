"""Delivering bundles: into a folder, over SFTP to a real server on 127.0.0.1, and a delivery that fails
for good landing in the dead-letter list of exports.audit after its retries."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.sftp_server import sftp_server

from core.settings import EXPORT_SFTP_KNOWN_HOSTS_ENV, EXPORT_SFTP_PASSWORD_ENV, ExportSecrets
from core.warehouse import Warehouse
from exports.framework.audit import audit_rows, dead_letters
from exports.framework.bundle import ProducedBundle, produce_bundle
from exports.framework.delivery import ATTEMPTS, deliver
from exports.framework.period import parse_period
from exports.framework.spec import BundleSpec

SECRETS = ExportSecrets.resolve("test-signing-key-0123456789", "test-salt-secret-0123456789")


def spec_with(name: str, delivery: dict) -> BundleSpec:
    return BundleSpec.model_validate(
        {
            "name": name,
            "recipient": "clinic_finance",
            "schedule": "0 7 1 * *",
            "period": "previous_month",
            "datasets": [{"mart": "fct_payment_reconciliation"}],
            "formats": ["csv", "fhir_ndjson"],
            "phi_level": "minimised",
            "delivery": delivery,
        }
    )


@pytest.fixture(scope="module")
def warehouse(module_warehouse: Warehouse, make_mart, mart_rows) -> Warehouse:
    make_mart(module_warehouse, mart_rows)
    return module_warehouse


def produced(warehouse: Warehouse, spec: BundleSpec, out: Path) -> ProducedBundle:
    return produce_bundle(warehouse, spec, parse_period("2026-10"), out, secrets=SECRETS,
                          generated_at=datetime(2026, 11, 1, tzinfo=UTC), actor="test")  # fmt: skip


def test_folder_delivery(warehouse: Warehouse, tmp_path: Path) -> None:
    spec = spec_with("to_folder", {"kind": "folder", "path": str(tmp_path / "inbox")})
    bundle = produced(warehouse, spec, tmp_path)
    outcome = deliver(warehouse, spec, bundle.path, actor="test", period_label="2026-10")
    assert outcome.ok and (tmp_path / "inbox" / bundle.path.name).read_bytes() == bundle.path.read_bytes()
    assert [r["event"] for r in audit_rows(warehouse, bundle="to_folder")] == ["produced", "delivered"]


def test_sftp_delivery(warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "server" / "incoming").mkdir(parents=True)
    with sftp_server(tmp_path / "server") as server:
        monkeypatch.setenv(EXPORT_SFTP_PASSWORD_ENV, server.password)
        monkeypatch.setenv(EXPORT_SFTP_KNOWN_HOSTS_ENV, str(server.known_hosts))
        spec = spec_with("to_sftp", {"kind": "sftp", "host": server.host, "port": server.port,
                                     "username": server.username, "path": "/incoming"})  # fmt: skip
        bundle = produced(warehouse, spec, tmp_path)
        outcome = deliver(
            warehouse, spec, bundle.path, actor="test", period_label="2026-10", wait_seconds=0.01
        )
    assert outcome.ok, outcome.message
    uploaded = tmp_path / "server" / "incoming" / bundle.path.name
    assert uploaded.read_bytes() == bundle.path.read_bytes()
    assert not list((tmp_path / "server" / "incoming").glob("*.part"))
    rows = audit_rows(warehouse, bundle="to_sftp")
    assert [r["event"] for r in rows] == ["produced", "delivered"]
    assert rows[1]["delivery"] == f"sftp://clinic@127.0.0.1:{server.port}/incoming"
    assert rows[1]["attempts"] == 1
    assert server.password not in str(rows)


def test_wrong_password_is_a_dead_letter(
    warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "server").mkdir()
    with sftp_server(tmp_path / "server") as server:
        monkeypatch.setenv(EXPORT_SFTP_PASSWORD_ENV, "not-the-password")
        monkeypatch.setenv(EXPORT_SFTP_KNOWN_HOSTS_ENV, str(server.known_hosts))
        spec = spec_with("bad_password", {"kind": "sftp", "host": server.host, "port": server.port,
                                          "username": server.username, "path": "/"})  # fmt: skip
        bundle = produced(warehouse, spec, tmp_path)
        outcome = deliver(
            warehouse, spec, bundle.path, actor="test", period_label="2026-10", wait_seconds=0.01
        )
    assert not outcome.ok and f"after {ATTEMPTS} attempt(s)" in outcome.message
    assert "Authentication failed" in outcome.message and "not-the-password" not in outcome.message
    letters = [r for r in dead_letters(warehouse) if r["bundle"] == "bad_password"]
    assert (
        len(letters) == 1
        and letters[0]["event"] == "delivery_failed"
        and letters[0]["bundle_file"] == str(bundle.path)
        and letters[0]["attempts"] == ATTEMPTS
    )


def test_nothing_listening_is_a_dead_letter(
    warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "known_hosts").write_text("")
    monkeypatch.setenv(EXPORT_SFTP_PASSWORD_ENV, "pw")
    monkeypatch.setenv(EXPORT_SFTP_KNOWN_HOSTS_ENV, str(tmp_path / "known_hosts"))
    spec = spec_with(
        "unreachable", {"kind": "sftp", "host": "127.0.0.1", "port": port, "username": "u", "path": "/"}
    )
    bundle = produced(warehouse, spec, tmp_path)
    outcome = deliver(warehouse, spec, bundle.path, actor="test", period_label="2026-10", wait_seconds=0.01)
    assert not outcome.ok
    assert [r["bundle"] for r in dead_letters(warehouse)].count("unreachable") == 1
