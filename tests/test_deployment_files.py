"""docker-compose.yml is for users' servers (no Docker engine here): validate it instead of running it."""

from __future__ import annotations

from pathlib import Path

import yaml

from core.settings import parse_warehouse_url

REPO = Path(__file__).resolve().parent.parent


def test_compose_file_points_the_platform_at_its_clickhouse() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"clickhouse", "dagster"}
    assert services["clickhouse"]["image"].startswith("clickhouse/clickhouse-server:")
    dagster = services["dagster"]
    assert dagster["build"] == "." and (REPO / "Dockerfile").exists()
    url = dagster["environment"]["MYMEDIC_WAREHOUSE"].replace("${CLICKHOUSE_PASSWORD}", "secret")
    settings = parse_warehouse_url(url)
    assert (settings.interface, settings.host, settings.port) == ("http", "clickhouse", 8123)
    assert settings.db("raw") == "mymedic_raw"
    assert dagster["depends_on"]["clickhouse"]["condition"] == "service_healthy"
    assert "orchestration.definitions" in dagster["command"]


def test_warehouse_urls() -> None:
    embedded = parse_warehouse_url("chdb://.mymedic/warehouse")
    assert embedded.embedded and embedded.path is not None and embedded.path.is_absolute()
    assert embedded.db("marts") == "marts"
    server = parse_warehouse_url("https://ana:p%40ss@ch.example.in/analytics")
    assert (server.interface, server.port, server.username, server.password) == ("https", 8443, "ana", "p@ss")
    assert server.db("raw") == "analytics_raw" and "p@ss" not in server.redacted()
    for bad in ("chdb://", "postgres://x/y", "clickhouse"):
        try:
            parse_warehouse_url(bad)
        except ValueError as exc:
            assert "MYMEDIC_WAREHOUSE" in str(exc)
        else:
            raise AssertionError(f"{bad!r} was accepted")
