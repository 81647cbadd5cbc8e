"""Dagster resources: the warehouse (one setting picks chDB or a server) and where a run reads and writes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

from core.settings import DEFAULT_EXPORTS, WAREHOUSE_ENV, WarehouseSettings, warehouse_settings
from core.warehouse import Warehouse, open_warehouse


class WarehouseResource(ConfigurableResource):
    """The ClickHouse warehouse. Each step opens it and closes it after (chDB: one process at a time)."""

    url: str = Field(
        default_factory=lambda: os.environ.get(WAREHOUSE_ENV, ""),
        description="MYMEDIC_WAREHOUSE: chdb://DIR or http(s)://user:pass@host:port/db",
    )

    @property
    def settings(self) -> WarehouseSettings:
        return warehouse_settings(self.url or None)

    @contextmanager
    def open(self) -> Iterator[Warehouse]:
        with open_warehouse(self.settings) as warehouse:
            yield warehouse


class PipelineSettings(ConfigurableResource):
    """What a run reads and writes: the feeds' data directory, the exports folder, the as-of date."""

    data_dir: str = Field(default_factory=lambda: os.environ.get("MYMEDIC_DATA", ".mymedic/sample"))
    exports_dir: str = Field(default_factory=lambda: os.environ.get("MYMEDIC_EXPORTS", str(DEFAULT_EXPORTS)))
    as_of: str = Field(default="", description="YYYY-MM-DD; empty: the latest date in the data")

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def exports_path(self) -> Path:
        return Path(self.exports_dir)

    @property
    def as_of_date(self) -> date | None:
        return date.fromisoformat(self.as_of) if self.as_of else None
