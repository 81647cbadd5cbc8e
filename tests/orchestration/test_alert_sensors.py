"""The run-failure and freshness-breach alerts against real peers: a persistent Dagster instance (a temporary
DAGSTER_HOME), real runs that fail, a real HTTP server taking the webhook, a real SMTP relay (aiosmtpd), and
an injected clock for the rate limit."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetKey,
    AssetSelection,
    DagsterInstance,
    Definitions,
    MaterializeResult,
    asset,
    build_last_update_freshness_checks,
    build_run_status_sensor_context,
    build_sensor_context,
    define_asset_job,
    serialize_value,
)
from support.loopback_http import serve_http
from support.message_providers import SmtpRelay, smtp_relay
from support.paths import REPO

from core.settings import ALERT_WEBHOOK_URL_ENV, DAGSTER_UI_URL_ENV, WAREHOUSE_ENV
from orchestration.alert_sensors import freshness_breach_sensor, run_failure_alert_sensor
from orchestration.definitions import build_definitions
from orchestration.notifier import NotifierResource, WebhookRefused

UI = "http://dagster.internal:3000"
SECRET = "s3cret-token-in-url"


class Webhook:
    def __init__(self) -> None:
        self.received: list[dict] = []
        self.answers: list[int] = []  # statuses to answer before accepting
        self.requests = 0
        self.lock = threading.Lock()


@pytest.fixture
def webhook() -> Iterator[tuple[Webhook, str]]:
    hook = Webhook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with hook.lock:
                hook.requests += 1
                status = hook.answers.pop(0) if hook.answers else 204
                if status < 300:
                    hook.received.append(body)
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    with serve_http(Handler, name="alert-webhook") as url:
        yield hook, f"{url}/hooks/{SECRET}"


@pytest.fixture
def relay() -> Iterator[SmtpRelay]:
    with smtp_relay() as r:
        yield r


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[DagsterInstance]:
    """A persistent instance as `make dagster` makes it (the project's dagster.yaml in its DAGSTER_HOME)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    with DagsterInstance.from_config(str(home)) as inst:
        yield inst


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 3, 4, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def notifier(webhook_url: str = "", relay: SmtpRelay | None = None) -> NotifierResource:
    return NotifierResource(
        webhook_url=webhook_url,
        smtp_host=relay.host if relay else "",
        smtp_port=relay.port if relay else 587,
        smtp_starttls=False,
        email_from="alerts@mymedic.example",
        email_to="ops@chain.example",
        ui_url=UI,
        rate_limit_minutes=60,
        retry_wait_seconds=0,
    )


@asset(key=AssetKey(["raw", "branches"]))
def failing_load() -> None:
    raise RuntimeError(f"warehouse http://admin:{SECRET}@db.internal:8123/x did not answer\nsecond line")


failing_job = define_asset_job("load_branches", selection=[failing_load.key])


def fail_once(instance: DagsterInstance):
    defs = Definitions(assets=[failing_load], jobs=[failing_job])
    result = defs.resolve_job_def("load_branches").execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
    return failure, instance.get_run_by_id(result.run_id)


def test_a_failed_run_alerts_by_webhook_and_email_once_per_window(
    instance: DagsterInstance, webhook: tuple[Webhook, str], relay: SmtpRelay
) -> None:
    hook, url = webhook
    hook.answers = [503]  # the webhook's first answer is an outage: retried
    relay.script = [451]  # so is the relay's
    clock = Clock()
    sensor = run_failure_alert_sensor(clock)
    resources = {"notifier": notifier(url, relay)}

    def evaluate(failure, run) -> None:
        context = build_run_status_sensor_context(
            sensor_name=sensor.name, dagster_event=failure, dagster_instance=instance, dagster_run=run,
            resources=resources,
        ).for_run_failure()  # fmt: skip
        sensor(context)

    failure, run = fail_once(instance)
    evaluate(failure, run)
    assert hook.requests == 2 and len(hook.received) == 1
    alert = hook.received[0]
    assert alert["subject"] == "MyMedic: run of load_branches failed"
    assert alert["what"] == f"Dagster run {run.run_id} of job load_branches failed at step raw__branches."
    assert alert["error"] == "RuntimeError: warehouse http://***@db.internal:8123/x did not answer"
    assert alert["where"] == f"{UI}/runs/{run.run_id}"
    [mail] = relay.accepted
    assert mail["subject"] == alert["subject"] and mail["to"] == "ops@chain.example"
    assert (
        mail["text"].splitlines() == alert["text"].splitlines()
        and f"Where to look: {UI}/runs/{run.run_id}" in mail["text"]
    )
    assert SECRET not in json.dumps(hook.received) + mail["text"]

    # The same job failing again within the hour: no second alert; after the hour: one more.
    failure, run = fail_once(instance)
    clock.now += timedelta(minutes=59)
    evaluate(failure, run)
    assert len(hook.received) == 1 and len(relay.accepted) == 1
    clock.now += timedelta(minutes=1)
    evaluate(failure, run)
    assert len(hook.received) == 2 and len(relay.accepted) == 2
    assert hook.received[1]["where"] == f"{UI}/runs/{run.run_id}"


def test_a_refused_webhook_is_not_retried_and_the_error_names_no_secret(
    instance: DagsterInstance, webhook: tuple[Webhook, str]
) -> None:
    hook, url = webhook
    hook.answers = [400]
    sensor = run_failure_alert_sensor(Clock())
    failure, run = fail_once(instance)
    context = build_run_status_sensor_context(
        sensor_name=sensor.name, dagster_event=failure, dagster_instance=instance, dagster_run=run,
        resources={"notifier": notifier(url)},
    ).for_run_failure()  # fmt: skip
    with pytest.raises(WebhookRefused) as refused:
        sensor(context)
    assert hook.requests == 1 and str(refused.value) == "the alert webhook answered HTTP 400"
    # not recorded as sent: the next failure is alerted (the webhook accepts now)
    sensor(context)
    assert len(hook.received) == 1


branches_key = AssetKey(["raw", "branches"])


@asset(
    key=branches_key,
    check_specs=[AssetCheckSpec("freshness_within_26h", asset=branches_key),
                 AssetCheckSpec("rows_conserved", asset=branches_key)],
)  # fmt: skip
def stale_branches():
    yield MaterializeResult()
    yield AssetCheckResult(check_name="rows_conserved", passed=False, description="3 rows missing")
    yield AssetCheckResult(
        check_name="freshness_within_26h", passed=False, description="last loaded 30 h ago\n(expected 26 h)"
    )


def test_a_failed_freshness_check_alerts_once_per_window(
    instance: DagsterInstance, webhook: tuple[Webhook, str]
) -> None:
    hook, url = webhook
    clock = Clock()
    sensor = freshness_breach_sensor(clock)
    defs = Definitions(assets=[stale_branches], jobs=[define_asset_job("check", [branches_key])],
                       sensors=[sensor])  # fmt: skip
    job = defs.resolve_job_def("check")

    def evaluate(cursor: str | None) -> str | None:
        context = build_sensor_context(
            instance=instance, cursor=cursor, definitions=defs, resources={"notifier": notifier(url)}
        )
        sensor(context)
        return context.cursor

    clock.now = datetime.now(UTC)  # the first tick reports breaches within the window before it
    run_id = job.execute_in_process(instance=instance).run_id
    cursor = evaluate(None)
    [alert] = hook.received  # the failed rows_conserved check is not a freshness breach
    assert alert["subject"] == "MyMedic: raw/branches is not fresh (freshness_within_26h)"
    assert alert["what"] == f"Freshness check freshness_within_26h on raw/branches failed (run {run_id})."
    assert alert["error"] == "last loaded 30 h ago"
    assert alert["where"] == f"{UI}/assets/raw/branches?view=checks"
    assert evaluate(cursor) == cursor and len(hook.received) == 1  # nothing new

    job.execute_in_process(instance=instance)
    clock.now += timedelta(minutes=30)
    cursor = evaluate(cursor)
    assert len(hook.received) == 1  # still stale, alerted half an hour ago
    job.execute_in_process(instance=instance)
    clock.now += timedelta(minutes=30)
    evaluate(cursor)
    assert len(hook.received) == 2


def test_dagsters_own_freshness_check_failing_is_a_breach(
    instance: DagsterInstance, webhook: tuple[Webhook, str]
) -> None:
    """`build_last_update_freshness_checks` on an asset never loaded fails: its check (`freshness_check`)
    is alerted like ours."""
    hook, url = webhook

    @asset(key=AssetKey(["raw", "bank_statement_lines"]))
    def never_loaded() -> None: ...

    checks = build_last_update_freshness_checks(assets=[never_loaded], lower_bound_delta=timedelta(hours=26))
    clock = Clock()
    clock.now = datetime.now(UTC)
    sensor = freshness_breach_sensor(clock)
    defs = Definitions(assets=[never_loaded], asset_checks=checks, sensors=[sensor],
                       jobs=[define_asset_job("freshness", selection=AssetSelection.checks(*checks))])  # fmt: skip
    defs.resolve_job_def("freshness").execute_in_process(instance=instance, raise_on_error=False)
    sensor(build_sensor_context(instance=instance, definitions=defs, resources={"notifier": notifier(url)}))
    [alert] = hook.received
    assert alert["subject"] == "MyMedic: raw/bank_statement_lines is not fresh (freshness_check)"


def test_the_platform_notifier_reads_its_secrets_from_the_environment_when_it_sends(
    instance: DagsterInstance, webhook: tuple[Webhook, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`notifier_resource()` binds the webhook URL as EnvVar: the definitions hold the variable's name, the
    sensor's send reads the URL (token included) from the environment."""
    hook, url = webhook
    monkeypatch.setenv(ALERT_WEBHOOK_URL_ENV, url)
    monkeypatch.setenv(DAGSTER_UI_URL_ENV, UI)
    monkeypatch.setenv(WAREHOUSE_ENV, "chdb:///tmp/never-opened")
    defs = build_definitions()
    resource = defs.resources["notifier"]
    assert SECRET not in serialize_value(resource.get_resource_definition().config_schema.default_value)
    failure, run = fail_once(instance)
    context = build_run_status_sensor_context(
        sensor_name="run_failure_alerts", dagster_event=failure, dagster_instance=instance, dagster_run=run,
        resources={"notifier": resource},
    ).for_run_failure()  # fmt: skip
    defs.resolve_sensor_def("run_failure_alerts")(context)
    assert [a["where"] for a in hook.received] == [f"{UI}/runs/{run.run_id}"]
