"""The dbt project as Dagster assets (dagster-dbt); dbt tests show up as asset checks.

dbt runs as a subprocess through `mymedic-dbt` (dbt with the chdb driver registered). No step of ours holds
the warehouse open while it runs: chDB lets one process at a time use its data directory.
"""

import fcntl
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from core.settings import DBT_PROJECT_DIR
from core.warehouse.dbt_env import apply_dbt_env, dbt_executable, dbt_vars
from orchestration.resources import PipelineSettings, WarehouseResource

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _newest_source_mtime(project_dir: Path) -> float:
    files = [project_dir / "dbt_project.yml"]
    for folder in ("models", "macros", "tests"):
        files += [p for p in (project_dir / folder).rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in files if p.exists())


def ensure_manifest(project: DbtProject = DBT_PROJECT) -> Path:
    """Parse the dbt project when its manifest is missing or older than its sources (parsing needs no
    warehouse connection). A file lock keeps concurrent processes from parsing at once."""
    manifest = project.manifest_path
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with (manifest.parent / ".parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime(project.project_dir):
            subprocess.run(
                [
                    dbt_executable(),
                    "parse",
                    "--quiet",
                    "--project-dir",
                    str(project.project_dir),
                    "--profiles-dir",
                    str(project.profiles_dir),
                ],
                check=True,
                cwd=project.project_dir,
            )
    return manifest


class MyMedicDbtTranslator(DagsterDbtTranslator):
    """Sources are the raw tables the ingestion assets write (`raw/<table>`); models are `<layer>/<model>`."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey(["raw", dbt_resource_props["name"]])
        layer = dbt_resource_props.get("fqn", ["", "marts"])[1]
        return AssetKey([layer, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "transformation"


@dbt_assets(
    manifest=ensure_manifest(),
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
