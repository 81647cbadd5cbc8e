"""A `chdb` driver for dbt-clickhouse, until upstream ships one.

Released dbt-clickhouse knows the `http` and `native` drivers only. This module follows the approach of
upstream PR ClickHouse/dbt-clickhouse#693: the driver is the adapter's own HTTP client wrapper, with the
clickhouse-connect client built with `interface="chdb"` on a data directory (the profile's `host`).
`mymedic-dbt` is dbt's own CLI with the driver registered. Delete this module, the `mymedic-dbt`
script and the `dbt_executable` setting in orchestration the day dbt-clickhouse supports `driver: chdb`.
"""

from __future__ import annotations

from typing import Any

import clickhouse_connect
from dbt.adapters.clickhouse import connections, dbclient
from dbt.adapters.clickhouse.httpclient import ChHttpClient

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
    """`mymedic-dbt`: dbt's CLI with the chdb driver registered."""
    register()
    from dbt.cli.main import cli

    cli()


if __name__ == "__main__":
    main()
