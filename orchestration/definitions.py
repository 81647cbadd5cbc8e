"""Compose the Dagster definitions (nothing is defined here, only put together).

The warehouse and the Razorpay key pair come from the environment (`MYMEDIC_WAREHOUSE`,
`MYMEDIC_RAZORPAY_KEY_*`, see orchestration.resources), never as arguments: a value passed in would be
stored in the resource config the UI shows, password or secret included.
"""

from __future__ import annotations

from dagster import Definitions, in_process_executor, multiprocess_executor

from core.settings import warehouse_settings
from orchestration.alert_sensors import alert_sensors
from orchestration.booking_outbox import booking_outbox_asset
from orchestration.bundle_jobs import bundle_definitions, export_secrets_resource
from orchestration.dbt_assets import dbt_resource, mymedic_dbt_models
from orchestration.export_assets import finance_exports
from orchestration.feed_sensors import feed_jobs, feed_sensors
from orchestration.freshness import freshness_checks, freshness_checks_sensor
from orchestration.gateway_assets import gateway_assets
from orchestration.ingestion_assets import ingestion_assets
from orchestration.notifier import notifier_resource
from orchestration.resources import PipelineSettings, razorpay_resource, warehouse_resource
from orchestration.schedules import (
    daily_schedule,
    everything_job,
    razorpay_daily_pull,
    razorpay_pull_job,
    settlement_backfill_job,
)
from orchestration.serving_assets import serving_assets


def build_definitions(pipeline: PipelineSettings | None = None) -> Definitions:
    # chDB: one process may hold the data directory, so the embedded profile runs steps in-process.
    executor = in_process_executor if warehouse_settings().embedded else multiprocess_executor
    bundle_assets, bundle_jobs, bundle_schedules, bundle_sensors = bundle_definitions()
    return Definitions(
        assets=[
            *gateway_assets,
            booking_outbox_asset,
            *ingestion_assets,
            mymedic_dbt_models,
            finance_exports,
            *bundle_assets,
            *serving_assets,
        ],
        asset_checks=freshness_checks,
        jobs=[everything_job, razorpay_pull_job, settlement_backfill_job, *feed_jobs, *bundle_jobs],
        schedules=[daily_schedule, razorpay_daily_pull, *bundle_schedules],
        sensors=[*feed_sensors, freshness_checks_sensor, *bundle_sensors, *alert_sensors],
        resources={
            "warehouse": warehouse_resource(),
            "pipeline": pipeline or PipelineSettings(),
            "dbt": dbt_resource(),
            "razorpay": razorpay_resource(),
            "export_secrets": export_secrets_resource(),
            "notifier": notifier_resource(),
        },
        executor=executor,
    )


defs = build_definitions()
