"""The dbt manifest the dictionary is read from, prepared by dagster-dbt when missing or older than the
project's sources (`core.warehouse.dbt_env.prepare_manifest`, shared with orchestration; `dbt parse` needs
no warehouse connection, and the preparer's file lock keeps two processes from parsing one project at once).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.settings import DBT_PROJECT_DIR
from core.warehouse.dbt_env import prepare_manifest


class ManifestError(RuntimeError):
    """`dbt parse` failed; the message carries dbt's errors."""


def ensure_manifest(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """The project's manifest.json, parsed first when it is missing or older than any source file."""
    from dagster_dbt import DagsterDbtError, DbtProject

    project_dir = Path(project_dir).resolve()
    try:
        return prepare_manifest(DbtProject(project_dir=project_dir, profiles_dir=project_dir))
    except DagsterDbtError as error:
        raise ManifestError(f"dbt parse failed for {project_dir}:\n{error}") from error


def load_manifest(project_dir: Path = DBT_PROJECT_DIR) -> dict[str, Any]:
    return json.loads(ensure_manifest(project_dir).read_text(encoding="utf-8"))
