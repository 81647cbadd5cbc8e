"""Compose the Dagster definitions (nothing is defined here, only put together).

The warehouse comes from the environment (`MYMEDIC_WAREHOUSE`, see orchestration.resources), never as an
argument: a URL passed as a value would be stored in the resource config the UI shows, password included.
"""

from __future__ import annotations

from dagster import Definitions, in_process_executor, multiprocess_executor

from core.settings import warehouse_settings
from orchestration.booking_outbox import booking_outbox_asset
from orchestration.dbt_assets import dbt_resource, mymedic_dbt_models
from orchestration.export_assets import finance_exports
from orchestration.ingestion_assets import ingestion_assets
from orchestration.resources import PipelineSettings, warehouse_resource
from orchestration.schedules import daily_schedule, everything_job


def build_definitions(pipeline: PipelineSettings | None = None) -> Definitions:
    # chDB: one process may hold the data directory, so the embedded profile runs steps in-process.
    executor = in_process_executor if warehouse_settings().embedded else multiprocess_executor
    return Definitions(
        assets=[booking_outbox_asset, *ingestion_assets, mymedic_dbt_models, finance_exports],
        jobs=[everything_job],
        schedules=[daily_schedule],
        resources={
            "warehouse": warehouse_resource(),
            "pipeline": pipeline or PipelineSettings(),
            "dbt": dbt_resource(),
        },
        executor=executor,
    )


defs = build_definitions()
