"""`mymedic dictionary --check`: every model and column of the dbt layers has a description.

A column counts as documented when its YAML lists it with a non-blank description. (Columns a model's SQL
returns but its YAML never lists are caught for contract-enforced marts by dbt itself, at build time.)
Raw tables are reported separately, as warnings: their columns come from ingestion, their descriptions from
the dbt sources.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from core.settings import DBT_PROJECT_DIR
from dictionary.catalog import MODEL_LAYERS, RAW, Catalog, catalog_for_project


def missing_descriptions(catalog: Catalog, layers: Iterable[str] = MODEL_LAYERS) -> list[str]:
    """One line per undocumented model or column, naming the layer, model, column and YAML file."""
    wanted = set(layers)
    problems: list[str] = []
    for model in catalog.models:
        if model.layer not in wanted:
            continue
        where = f" ({model.yaml_path})" if model.yaml_path else ""
        if not model.description:
            problems.append(f"{model.layer} model {model.name}: the model has no description{where}")
        if not model.columns:
            problems.append(f"{model.layer} model {model.name}: no columns are documented{where}")
        problems += [
            f"{model.layer} model {model.name}: column {column.name} has no description{where}"
            for column in model.columns
            if not column.description
        ]
    return problems


def check_project(project_dir: Path = DBT_PROJECT_DIR) -> list[str]:
    """Parse the dbt project (when stale) and list what lacks a description in marts/intermediate/staging."""
    return missing_descriptions(catalog_for_project(project_dir))


def raw_warnings(catalog: Catalog) -> list[str]:
    return missing_descriptions(catalog, layers=(RAW,))
