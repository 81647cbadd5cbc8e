"""The real dbt project's files, and throwaway copies of it to break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from core.settings import DBT_PROJECT_DIR

PARSE_STATE = "partial_parse.msgpack"


def model_files() -> dict[str, str]:
    """Every model of dbt_project/models by name, with its layer (the folder under models/)."""
    models = DBT_PROJECT_DIR / "models"
    return {p.stem: p.relative_to(models).parts[0] for p in sorted(models.rglob("*.sql"))}


def manifest_models(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]


def copy_project(target: Path) -> Path:
    """A copy of the dbt project's sources at `target`, with dbt's partial-parse state (so the copy parses
    in seconds; dbt re-reads whatever files differ) but no manifest.

    No lock: tests/conftest.py prepares the real project before any test (or xdist worker) starts, so
    nothing rewrites its partial-parse state while a test copies it."""
    shutil.copytree(DBT_PROJECT_DIR, target, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    state = DBT_PROJECT_DIR / "target" / PARSE_STATE
    (target / "target").mkdir()
    if state.exists():
        shutil.copy2(state, target / "target" / PARSE_STATE)
    return target


def drop_description(project: Path, yml: str, model: str, column: str | None = None) -> None:
    """Remove the description of `model` (or of its `column`) from the YAML file `yml` of `project`."""
    path = project / yml
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = next(m for m in document["models"] if m["name"] == model)
    if column is not None:
        entry = next(c for c in entry["columns"] if c["name"] == column)
    del entry["description"]
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
