"""Open and close the warehouse. Every module reaches ClickHouse through here, chDB or server alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import clickhouse_connect
from clickhouse_connect.driver.client import Client

from core.settings import WarehouseSettings, warehouse_settings


class Warehouse:
    """A connected client plus the settings that name the platform's databases."""

    def __init__(self, settings: WarehouseSettings, client: Client) -> None:
        self.settings = settings
        self.client = client

    def db(self, name: str) -> str:
        return self.settings.db(name)

    def command(self, sql: str, parameters: dict[str, Any] | None = None) -> Any:
        return self.client.command(sql, parameters=parameters)

    def rows(self, sql: str, parameters: dict[str, Any] | None = None) -> list[tuple]:
        return self.client.query(sql, parameters=parameters).result_rows

    def dicts(self, sql: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        result = self.client.query(sql, parameters=parameters)
        return [dict(zip(result.column_names, row, strict=True)) for row in result.result_rows]

    def scalar(self, sql: str, parameters: dict[str, Any] | None = None) -> Any:
        rows = self.rows(sql, parameters)
        return rows[0][0] if rows else None

    def table_exists(self, database: str, table: str) -> bool:
        return bool(
            self.scalar(
                "select count() from system.tables where database = {db:String} and name = {t:String}",
                {"db": self.db(database), "t": table},
            )
        )

    def close(self) -> None:
        self.client.close()


def connect(settings: WarehouseSettings) -> Client:
    if settings.embedded:
        assert settings.path is not None
        settings.path.mkdir(parents=True, exist_ok=True)
        return clickhouse_connect.get_client(interface="chdb", path=str(settings.path))
    return clickhouse_connect.get_client(
        interface=settings.interface,
        host=settings.host,
        port=settings.port,
        username=settings.username,
        password=settings.password,
        database="default",
    )


@contextmanager
def open_warehouse(settings: WarehouseSettings | None = None) -> Iterator[Warehouse]:
    """Open the warehouse for one step and always close it after.

    chDB locks its data directory to one process, so a step that hands over to another process
    (dbt) must have closed its own client first.
    """
    settings = settings or warehouse_settings()
    warehouse = Warehouse(settings, connect(settings))
    try:
        yield warehouse
    finally:
        warehouse.close()
