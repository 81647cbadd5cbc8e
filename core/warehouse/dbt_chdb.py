"""A `chdb` driver for dbt-clickhouse, until upstream ships one.

Released dbt-clickhouse knows the `http` and `native` drivers only. This module follows the approach of
upstream PR ClickHouse/dbt-clickhouse#693: the driver is the adapter's own HTTP client wrapper, with the
clickhouse-connect client built with `interface="chdb"` on a data directory (the profile's `host`).
`mymedic-dbt` is dbt's own CLI with the driver registered. Delete this module, the `mymedic-dbt`
script and the `dbt_executable` setting in orchestration the day dbt-clickhouse supports `driver: chdb`.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path
from typing import Any

from core.settings import DBT_PARENT_PID_ENV

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent() -> None:
    """Linux: have the kernel SIGKILL this process as soon as its parent dies.

    dagster-dbt starts `mymedic-dbt` as a plain subprocess, so a `mymedic run` killed hard (SIGKILL, OOM)
    used to leave dbt running, holding chDB's lock on the warehouse directory. PR_SET_PDEATHSIG fires when
    the *thread* that started this process exits; dagster-dbt starts dbt from the step's thread, which
    waits for dbt, so that is the run's lifetime. The parent may already be gone by the time we get here
    (Python start-up and imports take a moment): `$MYMEDIC_DBT_PARENT_PID` (set by core.warehouse.dbt_env)
    names it, and we exit if we were re-parented and that process is gone or a zombie (killed, not yet
    reaped by its own parent).
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return  # not fatal: dbt still runs, it just may outlive a killed parent
    parent = os.environ.get(DBT_PARENT_PID_ENV, "")
    if parent.isdigit() and os.getppid() != int(parent) and not _running(int(parent)):
        os._exit(1)  # orphaned before the kernel could be told


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")  # the state follows "(comm)"


# First thing in a `mymedic-dbt` process: importing dbt takes seconds, and a parent killed meanwhile must
# take this process with it. Importing the module elsewhere (tests, tools) changes nothing.
if Path(sys.argv[0]).name == "mymedic-dbt":
    die_with_parent()

import clickhouse_connect  # noqa: E402
from dbt.adapters.clickhouse import connections, dbclient  # noqa: E402
from dbt.adapters.clickhouse.httpclient import ChHttpClient  # noqa: E402

# Settings that only mean something to an HTTP server session.
_HTTP_ONLY_SETTINGS = {"session_id"}


class ChdbClientWrapper(ChHttpClient):
    """dbt-clickhouse's client wrapper on the in-process engine; `credentials.host` is the data directory."""

    def _create_client(self, credentials: Any) -> Any:
        settings = {k: v for k, v in self._conn_settings.items() if k not in _HTTP_ONLY_SETTINGS}
        return clickhouse_connect.get_client(interface="chdb", path=credentials.host, settings=settings)

    def close(self) -> None:
        self._client.close()


_upstream_get_db_client = dbclient.get_db_client


def get_db_client(credentials: Any) -> Any:
    if credentials.driver == "chdb":
        return ChdbClientWrapper(credentials)
    return _upstream_get_db_client(credentials)


def register() -> None:
    """Teach dbt-clickhouse the `chdb` driver (idempotent)."""
    dbclient.get_db_client = get_db_client
    connections.get_db_client = get_db_client


def main() -> None:
    """`mymedic-dbt`: dbt's CLI with the chdb driver registered; dies with the process that started it
    (`die_with_parent` ran when this module was imported, before dbt's own imports)."""
    register()
    from dbt.cli.main import cli

    cli()


if __name__ == "__main__":
    main()
