"""Open and close the warehouse. Every module reaches ClickHouse through here, chDB or server alike."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import OperationalError, ProgrammingError

from core.cli_errors import UserFacingError
from core.settings import WAREHOUSE_ENV, WarehouseSettings, warehouse_settings

# The HTTP driver logs a warning before raising each transport error it also raises: the error says it.
logging.getLogger("clickhouse_connect.driver._backend.http_sync").setLevel(logging.ERROR)


class WarehouseUnavailable(UserFacingError):
    """The warehouse cannot be opened: its data directory is in use, or its server cannot be reached."""

    def __init__(self, message: str, held_by: int | None = None) -> None:
        super().__init__(message)
        self.held_by = held_by  # the process holding the embedded data directory, when that is why


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
    """A client for the warehouse; WarehouseUnavailable (one line, no password) when it cannot be opened."""
    if settings.embedded:
        assert settings.path is not None
        try:
            settings.path.mkdir(parents=True, exist_ok=True)
            with _native_stderr_kept_on_success():
                return clickhouse_connect.get_client(interface="chdb", path=str(settings.path))
        except (ProgrammingError, OSError) as error:
            holder = None if isinstance(error, OSError) else _holder_pid(settings)
            raise WarehouseUnavailable(_embedded_problem(settings, error, holder), held_by=holder) from None
    try:
        return clickhouse_connect.get_client(
            interface=settings.interface,
            host=settings.host,
            port=settings.port,
            username=settings.username,
            password=settings.password,
            database="default",
        )
    except OperationalError as error:
        raise WarehouseUnavailable(
            f"cannot reach the ClickHouse server at {settings.redacted()} ({_transport_reason(error)}): "
            f"start it, or point {WAREHOUSE_ENV} at a running server"
        ) from None


@contextmanager
def _native_stderr_kept_on_success() -> Iterator[None]:
    """Hold what native code writes to file descriptor 2 meanwhile: passed on if the block succeeds,
    dropped if it raises (chDB prints its own multi-line exception before raising the same one)."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        held.seek(0)
        passed_on = held.read()
    if passed_on:
        os.write(2, passed_on)


def _embedded_problem(settings: WarehouseSettings, error: Exception, holder: int | None) -> str:
    """Why chDB could not open its data directory, and what to do (the directory is one process's at a time)."""
    where = f"the warehouse {settings.redacted()}"
    if isinstance(error, OSError):
        return (
            f"cannot create {where}: {error.strerror or error}; choose a writable {WAREHOUSE_ENV}=chdb://DIR"
        )
    if holder is not None:
        return (
            f"{where} is in use by process {holder} (chDB opens a data directory from one process at a time): "
            f"wait for it to finish or stop it (e.g. `make dagster`, another `mymedic run`), or set "
            f"{WAREHOUSE_ENV}=chdb://ANOTHER_DIR"
        )
    return f"cannot open {where}: it may be in use by another process; stop that process and try again"


def _holder_pid(settings: WarehouseSettings) -> int | None:
    """The live process chDB's `status` file in the data directory names (not this one), if any."""
    assert settings.path is not None
    try:
        first = (settings.path / "status").read_text(encoding="utf-8", errors="replace").splitlines()[0]
        pid = int(first.removeprefix("PID:").strip())
    except (OSError, IndexError, ValueError):
        return None
    if pid == os.getpid():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def _transport_reason(error: OperationalError) -> str:
    """What went wrong reaching the server, in a few words (the driver's message is a long chain)."""
    text = str(error)
    for marker, reason in (
        ("Connection refused", "connection refused"),
        ("NameResolutionError", "unknown host"),
        ("timed out", "timed out"),
        ("SSLError", "TLS handshake failed"),
    ):
        if marker in text:
            return reason
    return "no answer"


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
