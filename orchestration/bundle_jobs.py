"""Export bundles in Dagster: each spec in exports/bundles becomes an asset that depends on the marts it
reads (its datasets' and the claim marts its claim documents read: their dbt asset keys, so a bundle never
reads a half-built mart), a job `bundle_<name>`, and a
schedule `bundle_<name>_schedule` on the spec's cron in IST. A run-failure sensor records every failed
bundle run in exports.audit and logs it.

The signing key and the salt secret reach a run as `EnvVar`s (export_secrets_resource), never as values.
"""

import os
from datetime import UTC, datetime

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Config,
    ConfigurableResource,
    DefaultSensorStatus,
    EnvVar,
    MaterializeResult,
    RunFailureSensorContext,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SensorDefinition,
    asset,
    define_asset_job,
    run_failure_sensor,
    schedule,
)
from pydantic import Field

from core.settings import EXPORT_SALT_ENV, EXPORT_SIGNING_KEY_ENV, ExportSecrets
from core.time import IST_NAME
from exports.framework.audit import AuditEvent, record
from exports.framework.bundle import produce_bundle
from exports.framework.delivery import deliver
from exports.framework.formats import marts_read
from exports.framework.period import parse_period, previous_period
from exports.framework.spec import BundleSpec, load_specs
from orchestration.resources import PipelineSettings, WarehouseResource

BUNDLE_GROUP = "bundles"
JOB_PREFIX = "bundle_"


class ExportSecretsResource(ConfigurableResource):
    """The bundle signing key and the patient-id salt secret (bind both to EnvVar, never literals)."""

    signing_key: str = Field(
        default="", description=f"EnvVar({EXPORT_SIGNING_KEY_ENV!r}); empty: read at run time"
    )
    salt_secret: str = Field(default="", description=f"EnvVar({EXPORT_SALT_ENV!r}); empty: read at run time")

    @property
    def secrets(self) -> ExportSecrets:
        return ExportSecrets.resolve(self.signing_key, self.salt_secret)


def export_secrets_resource() -> ExportSecretsResource:
    return ExportSecretsResource(
        **{
            field: EnvVar(name)
            for field, name in (("signing_key", EXPORT_SIGNING_KEY_ENV), ("salt_secret", EXPORT_SALT_ENV))
            if os.environ.get(name)
        }
    )


class BundleRunConfig(Config):
    period: str = Field(
        default="", description="2026-10, 2026-W41 or 2026-10-05; empty: the spec's previous period"
    )


def job_name(spec: BundleSpec) -> str:
    return f"{JOB_PREFIX}{spec.name}"


def bundle_asset_key(spec: BundleSpec) -> AssetKey:
    return AssetKey(["exports", f"bundle_{spec.name}"])


def bundle_asset(spec: BundleSpec) -> AssetsDefinition:
    marts = [AssetKey(["marts", mart]) for mart in marts_read(spec)]

    @asset(
        key=bundle_asset_key(spec),
        name=None,
        deps=marts,
        group_name=BUNDLE_GROUP,
        kinds={"zip"},
        description=f"Bundle {spec.name} for {spec.recipient}: {', '.join(spec.formats)}, phi level {spec.phi_level}",
    )
    def _bundle(
        context: AssetExecutionContext,
        config: BundleRunConfig,
        warehouse: WarehouseResource,
        pipeline: PipelineSettings,
        export_secrets: ExportSecretsResource,
    ) -> MaterializeResult:
        period = (
            parse_period(config.period) if config.period else previous_period(spec.period, datetime.now(UTC))
        )
        actor = f"dagster:{context.run.run_id}"
        out = pipeline.exports_path / "bundles"
        out.mkdir(parents=True, exist_ok=True)
        with warehouse.open() as w:
            produced = produce_bundle(w, spec, period, out, secrets=export_secrets.secrets, actor=actor,
                                      run_id=context.run.run_id)  # fmt: skip
            delivered = deliver(w, spec, produced.path, actor=actor, period_label=period.label,
                                bundle_sha256=produced.sha256)  # fmt: skip
        context.log.info(f"wrote {produced.path} ({produced.row_count} rows)")
        if not delivered.ok:
            raise RuntimeError(delivered.message)  # already a dead letter in exports.audit
        return MaterializeResult(
            metadata={
                "bundle": str(produced.path),
                "sha256": produced.sha256,
                "period": period.label,
                "rows": produced.row_count,
                "delivery": delivered.message,
            }
        )

    return _bundle


def bundle_schedule(spec: BundleSpec, job: object) -> ScheduleDefinition:
    @schedule(
        name=f"{job_name(spec)}_schedule",
        job=job,
        cron_schedule=spec.schedule,
        execution_timezone=IST_NAME,
        description=f"{spec.schedule} IST: bundle {spec.name}, {spec.period.replace('_', ' ')}",
    )
    def _schedule(context: ScheduleEvaluationContext) -> RunRequest:
        period = previous_period(spec.period, context.scheduled_execution_time)
        op = bundle_asset_key(spec).to_python_identifier()
        return RunRequest(
            run_key=f"{spec.name}-{period.label}",
            run_config={"ops": {op: {"config": {"period": period.label}}}},
            tags={"bundle": spec.name, "period": period.label},
        )

    return _schedule


def bundle_failure_sensor(jobs: list) -> SensorDefinition:
    @run_failure_sensor(
        name="bundle_run_failures",
        monitored_jobs=jobs,
        default_status=DefaultSensorStatus.RUNNING,
        description="Logs a failed bundle run and records it in exports.audit",
    )
    def _sensor(context: RunFailureSensorContext, warehouse: WarehouseResource) -> None:
        run = context.dagster_run
        bundle = run.tags.get("bundle") or run.job_name.removeprefix(JOB_PREFIX)
        message = " ".join((context.failure_event.message or "run failed").split())
        context.log.error(f"bundle {bundle} run {run.run_id} failed: {message}")
        with warehouse.open() as w:
            record(w, AuditEvent(event="failed", actor=f"dagster:{run.run_id}", bundle=bundle,
                                 period_label=run.tags.get("period", ""), outcome=message))  # fmt: skip

    return _sensor


def bundle_definitions(specs: list[BundleSpec] | None = None) -> tuple[list, list, list, list]:
    """(assets, jobs, schedules, sensors) for every spec."""
    specs = load_specs() if specs is None else specs
    assets = [bundle_asset(s) for s in specs]
    jobs = [define_asset_job(job_name(s), selection=[bundle_asset_key(s)]) for s in specs]
    schedules = [bundle_schedule(s, j) for s, j in zip(specs, jobs, strict=True)]
    sensors = [bundle_failure_sensor(jobs)] if jobs else []
    return assets, jobs, schedules, sensors
