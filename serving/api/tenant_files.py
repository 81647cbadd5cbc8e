"""The serving copy of one tenant: its own DuckDB file (`ServingLayout.tenant_duckdb`), opened read-only.

Each request reads through a cursor of a connection kept per tenant file (the file attached to an in-memory
database: see `_open`). The publish swaps a new file in with `os.replace`, so the file's identity (inode,
modification time) says when a connection reads an old copy: the next request then opens the new file,
and requests already running finish on the old one.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from booking.domain.errors import DomainError
from core.time import as_utc
from serving.layout import ServingLayout
from serving.publish import META


class Unavailable(DomainError):
    status_code = 503


CATALOG = "marts"  # the published files' own catalog name (marts.duckdb), so `marts.<table>` reads the same
NOT_PUBLISHED = (
    "no serving copy of your data is published yet; it appears after the platform's next successful run "
    "(mymedic run, or mymedic serving publish)"
)


@dataclass(frozen=True)
class Snapshot:
    """One published copy of a tenant's marts, as opened."""

    connection: duckdb.DuckDBPyConnection
    identity: tuple[int, int, int]
    published_at: datetime
    branches: frozenset[str]  # every branch the copy has rows of


class TenantFiles:
    def __init__(self, layout: ServingLayout) -> None:
        self.layout = layout
        self._lock = threading.Lock()
        self._open: dict[str, Snapshot] = {}

    def _snapshot(self, tenant_id: str) -> Snapshot:
        path: Path = self.layout.tenant_duckdb(tenant_id)
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            raise Unavailable(NOT_PUBLISHED) from None
        identity = (stat.st_dev, stat.st_ino, stat.st_mtime_ns)
        with self._lock:
            current = self._open.get(tenant_id)
            if current is not None and current.identity == identity:
                return current
            connection = _open(path)
            snapshot = Snapshot(
                connection, identity, publication(connection, tenant_id), branches(connection, tenant_id)
            )
            self._open[tenant_id] = snapshot
            # The replaced copy's connection is closed when the last cursor on it is gone.
            return snapshot

    @contextmanager
    def read(self, tenant_id: str) -> Iterator[Reader]:
        snapshot = self._snapshot(tenant_id)
        cursor = snapshot.connection.cursor()
        try:
            yield Reader(cursor, snapshot.published_at, snapshot.branches)
        finally:
            cursor.close()

    def close(self) -> None:
        with self._lock:
            for snapshot in self._open.values():
                snapshot.connection.close()
            self._open.clear()


@dataclass(frozen=True)
class Reader:
    cursor: duckdb.DuckDBPyConnection
    published_at: datetime
    branches: frozenset[str]

    def dicts(self, sql: str, parameters: dict[str, Any]) -> list[dict[str, Any]]:
        result = self.cursor.execute(sql, parameters)
        names = [d[0] for d in result.description or ()]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    """The file, attached read-only to an in-memory database of its own, as catalog `marts`.

    Not `duckdb.connect(path)`: within one process DuckDB hands out the database instance it already has
    open for a path, so while any request still reads the replaced copy, connecting to the path again
    would return that old copy instead of the new file. An in-memory database attaching the path opens
    the file that is there now.
    """
    quoted = str(path).replace("'", "''")
    connection = duckdb.connect(":memory:")
    try:
        connection.execute(f"attach '{quoted}' as {CATALOG} (read_only)")
    except duckdb.IOException:  # replaced or removed between the stat and the attach
        connection.close()
        raise Unavailable("the serving copy is being replaced; retry in a moment") from None
    return connection


def publication(connection: duckdb.DuckDBPyConnection, tenant_id: str) -> datetime:
    """When the copy was published (`serving.publication`); a file that says it is another tenant's is
    refused, a third guard beside the file's path and every query's tenant filter."""
    row = connection.execute(f"select published_at, tenant_id from {CATALOG}.{META}.publication").fetchone()
    if row is None or row[1] != tenant_id:
        raise Unavailable("your serving copy is not in order; the operator must publish it again")
    return as_utc(row[0])


def branches(connection: duckdb.DuckDBPyConnection, tenant_id: str) -> frozenset[str]:
    """The tenant's branches in the copy: in dim_branches or in either fact (read once per copy)."""
    unions = " union ".join(
        f"select branch_id from {CATALOG}.{table} where tenant_id = $tenant"
        for table in ("dim_branches", "fct_payment_reconciliation", "fct_branch_daily_settlements")
    )
    return frozenset(b for (b,) in connection.execute(unions, {"tenant": tenant_id}).fetchall())
