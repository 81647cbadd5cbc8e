"""Shared fixtures: a real embedded warehouse per test module, real files in tmp folders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import WarehouseSettings, warehouse_settings
from core.warehouse import Warehouse, open_warehouse

REPO = Path(__file__).resolve().parent.parent
CORPORA = REPO.parent / "shared" / "corpora"


@pytest.fixture(scope="module")
def warehouse_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("warehouse")


@pytest.fixture(scope="module")
def warehouse_settings_(warehouse_dir: Path) -> WarehouseSettings:
    return warehouse_settings(f"chdb://{warehouse_dir}")


@pytest.fixture
def warehouse(warehouse_settings_: WarehouseSettings) -> Iterator[Warehouse]:
    with open_warehouse(warehouse_settings_) as w:
        yield w
