"""Open the serving copy read-only (any number of readers, while the platform publishes)."""

from __future__ import annotations

import duckdb

from serving.layout import ServingLayout


class NotPublished(LookupError):
    """No serving copy has been published at that path yet."""


def open_serving(layout: ServingLayout, tenant: str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the whole copy, or to one tenant's (`tenant`)."""
    path = layout.tenant_duckdb(tenant) if tenant else layout.duckdb_path
    if not path.exists():
        what = f"tenant {tenant}'s serving copy" if tenant else "the serving copy"
        raise NotPublished(
            f"{what} is not published yet ({path}): run `mymedic run` or `mymedic serving publish`"
        )
    return duckdb.connect(str(path), read_only=True)
