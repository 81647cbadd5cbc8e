"""Where the serving copy lives: one folder ($MYMEDIC_SERVING, default `.mymedic/serving`).

    marts.duckdb                      every tenant: the marts (schema main), bi, bi_phi (when published
                                      with PHI) and serving (when, and what each relation holds)
    tenants/<tenant_id>/marts.duckdb  the same, only that tenant's rows (a chain's BI connection)
    parquet/<mart>/data.parquet       the marts as Parquet (a link to the current version's folder)
    parquet/bi/<view>/data.parquet
    versions/<id>/parquet/...         the Parquet of the current and the previous two publications

Every DuckDB file is named `marts.duckdb`, so a connection's catalog is `marts` in each of them, and the
same query (`select * from marts.fct_payment_reconciliation`, `bi.payment_reconciliation`) runs on the
whole copy and on a tenant's.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from core.settings import DEFAULT_SERVING, SERVING_ENV

TENANT_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class ServingLayout:
    root: Path

    @classmethod
    def from_env(cls, root: Path | str | None = None) -> ServingLayout:
        """`root`, else $MYMEDIC_SERVING, else `.mymedic/serving` (made absolute)."""
        chosen = root or os.environ.get(SERVING_ENV) or DEFAULT_SERVING
        return cls(Path(chosen).expanduser().absolute())

    @property
    def duckdb_path(self) -> Path:
        return self.root / "marts.duckdb"

    @property
    def tenants_dir(self) -> Path:
        return self.root / "tenants"

    def tenant_duckdb(self, tenant_id: str) -> Path:
        if not TENANT_ID.match(tenant_id) or tenant_id in (".", ".."):
            raise ValueError(f"{tenant_id!r} is not a tenant id (letters, digits, _ . - only)")
        return self.tenants_dir / tenant_id / "marts.duckdb"

    @property
    def parquet_dir(self) -> Path:
        """A symbolic link to the current publication's Parquet folder."""
        return self.root / "parquet"

    @property
    def versions_dir(self) -> Path:
        return self.root / "versions"

    @property
    def lock_path(self) -> Path:
        return self.root / ".publish.lock"
