"""The real dbt project, parsed by dbt (once per session, only when its manifest is stale), and the
dictionary built from it."""

from __future__ import annotations

from typing import Any

import pytest

from core.settings import DBT_PROJECT_DIR
from dictionary.catalog import Catalog, build_catalog
from dictionary.manifest import load_manifest


@pytest.fixture(scope="session")
def manifest() -> dict[str, Any]:
    return load_manifest(DBT_PROJECT_DIR)


@pytest.fixture(scope="session")
def catalog(manifest: dict[str, Any]) -> Catalog:
    return build_catalog(manifest)
