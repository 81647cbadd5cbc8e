"""Alerts to operations staff through the notifier (orchestration/notifier.py):

- `run_failure_alerts`: any run of this code location failed (the job, the failed steps, the error's first
  line, the run's page in the Dagster UI);
- `freshness_breach_alerts`: a freshness check failed (any asset check whose name starts with `freshness`,
  Dagster's built-in `freshness_check` included): the asset, the check, its description, the asset's checks
  page in the UI.

Both are rate-limited: an alert whose subject went out less than `rate_limit_minutes` ago is only logged.
The time each subject was last sent is kept in the Dagster instance (its key-value store), so the limit
holds across ticks, sensors and restarts; a send that fails is not recorded, so the next breach tries again.
"""
# No `from __future__ import annotations` here: Dagster reads the sensor functions' type hints at runtime.

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from dagster import (
    AssetCheckEvaluation,
    DagsterInstance,
    DefaultSensorStatus,
    RunFailureSensorContext,
    SensorDefinition,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from orchestration.notifier import Alert, NotifierResource

Clock = Callable[[], datetime]
FRESHNESS_PREFIX = "freshness"
LAST_SENT_KEY = "mymedic.alerts.last_sent:"
MAX_ERROR_CHARS = 240
_URL_CREDENTIALS = re.compile(r"(\w+://)[^/@\s]+@")


def utc_now() -> datetime:
    return datetime.now(UTC)


def first_line(message: str | None) -> str:
    """The first non-empty line, credentials in a URL masked, at most MAX_ERROR_CHARS long."""
    line = next((" ".join(part.split()) for part in (message or "").splitlines() if part.strip()), "")
    line = _URL_CREDENTIALS.sub(r"\1***@", line)
    return line if len(line) <= MAX_ERROR_CHARS else f"{line[: MAX_ERROR_CHARS - 1]}…"


class AlertThrottle:
    """The same subject at most once per `window`; the last send per subject kept in the instance."""

    def __init__(self, instance: DagsterInstance, window: timedelta, clock: Clock = utc_now) -> None:
        self.instance, self.window, self.clock = instance, window, clock

    def last_sent(self, subject: str) -> datetime | None:
        key = LAST_SENT_KEY + subject
        stored = self.instance.run_storage.get_cursor_values({key}).get(key)
        return datetime.fromisoformat(stored) if stored else None

    def allows(self, subject: str) -> bool:
        last = self.last_sent(subject)
        return last is None or self.clock() - last >= self.window

    def sent(self, subject: str) -> None:
        self.instance.run_storage.set_cursor_values({LAST_SENT_KEY + subject: self.clock().isoformat()})


def root_cause(error: Any) -> Any:  # a Dagster SerializableErrorInfo (not public API)
    """The error our code raised, not Dagster's wrapper around it ("Error occurred while executing op")."""
    while error.cause is not None:
        error = error.cause
    return error


def notify(
    context: SensorEvaluationContext | RunFailureSensorContext,
    notifier: NotifierResource,
    alert: Alert,
    clock: Clock,
) -> str:
    """Send `alert` unless its subject went out within the window; what happened, as one log line."""
    throttle = AlertThrottle(context.instance, timedelta(minutes=notifier.rate_limit_minutes), clock)
    if not throttle.allows(alert.subject):
        outcome = (
            f"alert not sent (rate limit, last sent {throttle.last_sent(alert.subject):%Y-%m-%d %H:%M} UTC)"
        )
    else:
        channels = notifier.send(alert)
        throttle.sent(alert.subject)
        outcome = (
            f"alert sent by {', '.join(channels)}" if channels else "alert logged (no channel configured)"
        )
    context.log.warning(f"{alert.subject}: {outcome}")
    return outcome


def run_failure_alert_sensor(clock: Clock = utc_now) -> SensorDefinition:
    @run_failure_sensor(
        name="run_failure_alerts",
        default_status=DefaultSensorStatus.RUNNING,
        description="Alerts (webhook / email) when a run fails: job, failed steps, error, the run's UI page",
    )
    def _sensor(context: RunFailureSensorContext, notifier: NotifierResource) -> None:
        run = context.dagster_run
        steps = context.get_step_failure_events()
        errors = [e.event_specific_data.error for e in steps if e.event_specific_data.error]
        failed = f" at step {', '.join(sorted({e.step_key for e in steps}))}" if steps else ""
        notify(
            context,
            notifier,
            Alert(
                subject=f"MyMedic: run of {run.job_name} failed",
                what=f"Dagster run {run.run_id} of job {run.job_name} failed{failed}.",
                error=first_line(root_cause(errors[0]).message if errors else context.failure_event.message),
                where=notifier.ui_link(f"runs/{run.run_id}"),
            ),
            clock,
        )

    return _sensor


def freshness_alert(evaluation: AssetCheckEvaluation, run_id: str, notifier: NotifierResource) -> Alert:
    asset = evaluation.asset_key.to_user_string()
    return Alert(
        subject=f"MyMedic: {asset} is not fresh ({evaluation.check_name})",
        what=f"Freshness check {evaluation.check_name} on {asset} failed (run {run_id}).",
        error=first_line(evaluation.description),
        where=notifier.ui_link(f"assets/{asset}?view=checks"),
    )


def freshness_breach_sensor(clock: Clock = utc_now) -> SensorDefinition:
    @sensor(
        name="freshness_breach_alerts",
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description=f"Alerts (webhook / email) when an asset check named {FRESHNESS_PREFIX}* fails",
    )
    def _sensor(context: SensorEvaluationContext, notifier: NotifierResource) -> SkipReason:
        """Each freshness check's latest result not seen before (cursor: check → its execution's id)."""
        checks = [k for k in context.repository_def.asset_graph.asset_check_keys
                  if k.name.startswith(FRESHNESS_PREFIX)]  # fmt: skip
        seen: dict[str, int] = json.loads(context.cursor) if context.cursor else {}
        # The first tick (no cursor yet) reports only breaches within the rate-limit window, not old ones.
        since = (clock() - timedelta(minutes=notifier.rate_limit_minutes)).timestamp() if not seen else 0.0
        latest = context.instance.event_log_storage.get_latest_asset_check_execution_by_key(checks)
        breaches = []
        for key, record in sorted(latest.items(), key=lambda item: item[1].id):
            name = key.to_user_string()
            if record.status.value == "PLANNED" or record.id <= seen.get(name, 0):
                continue
            if record.status.value == "FAILED" and record.create_timestamp >= since:
                evaluation = record.event.dagster_event.event_specific_data
                notify(context, notifier, freshness_alert(evaluation, record.run_id, notifier), clock)
                breaches.append(name)
            seen[name] = record.id
        context.update_cursor(json.dumps(seen, sort_keys=True))  # not reached when a send fails: retried
        return SkipReason(f"{len(checks)} freshness check(s); breached: {', '.join(breaches) or 'none'}")

    return _sensor


alert_sensors = [run_failure_alert_sensor(), freshness_breach_sensor()]
