"""The dbt project as Dagster assets (dagster-dbt); dbt tests show up as asset checks.

dbt runs as a subprocess through `mymedic-dbt` (dbt with the chdb driver registered). No step of ours holds
the warehouse open while it runs: chDB lets one process at a time use its data directory.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetCheckSpec, AssetExecutionContext, AssetKey, AssetSpec
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from core.settings import DBT_PROJECT_DIR
from core.warehouse.dbt_env import apply_dbt_env, dbt_executable, dbt_vars, prepare_manifest
from orchestration.check_descriptions import check_description
from orchestration.dbt_project import DBT_PROJECT
from orchestration.resources import PipelineSettings, WarehouseResource

DQ_SOURCE = "quality"  # dbt's source for marts.dq_results (orchestration/dq_history.py)


class MyMedicDbtTranslator(DagsterDbtTranslator):
    """Sources are the raw tables the ingestion assets write (`raw/<table>`), and the data-quality history
    the checks' hooks write (`marts/dq_results`); models are `<layer>/<model>`."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            database = "marts" if dbt_resource_props["source_name"] == DQ_SOURCE else "raw"
            return AssetKey([database, dbt_resource_props["name"]])
        layer = dbt_resource_props.get("fqn", ["", "marts"])[1]
        return AssetKey([layer, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "transformation"

    def get_asset_check_spec(
        self,
        asset_spec: AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: DbtProject | None,
    ) -> AssetCheckSpec | None:
        """dagster-dbt's check, described in a sentence (orchestration/check_descriptions.py)."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        return spec._replace(description=check_description(manifest["nodes"][unique_id], manifest))


@dbt_assets(
    manifest=prepare_manifest(DBT_PROJECT),
    project=DBT_PROJECT,
    dagster_dbt_translator=MyMedicDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    ),
)
def mymedic_dbt_models(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    pipeline: PipelineSettings,
) -> Iterator[Any]:
    apply_dbt_env(warehouse.settings)
    yield from dbt.cli(["build", "--vars", dbt_vars(pipeline.as_of_date)], context=context).stream()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=DBT_PROJECT, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
    )
