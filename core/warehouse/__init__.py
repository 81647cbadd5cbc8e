"""The warehouse: one ClickHouse reached through clickhouse-connect, embedded (chDB) or a server."""

from core.warehouse.client import Warehouse, open_warehouse

__all__ = ["Warehouse", "open_warehouse"]
