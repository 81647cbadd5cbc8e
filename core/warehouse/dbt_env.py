"""What dbt needs to reach the same warehouse as everything else: env vars read by profiles.yml."""

from __future__ import annotations

import os
import shutil
import sys
from datetime import date
from pathlib import Path

from core.settings import (
    DB_PREFIX_ENV,
    DBT_DRIVER_ENV,
    DBT_HOST_ENV,
    DBT_PARENT_PID_ENV,
    DBT_PASSWORD_ENV,
    DBT_PORT_ENV,
    DBT_PROJECT_DIR,
    DBT_SECURE_ENV,
    DBT_USER_ENV,
    WarehouseSettings,
)


def dbt_env(settings: WarehouseSettings) -> dict[str, str]:
    """Environment for a dbt process on `settings` (the profile reads only these)."""
    return {
        DBT_DRIVER_ENV: "chdb" if settings.embedded else "http",
        DBT_HOST_ENV: str(settings.path) if settings.embedded else settings.host,
        DBT_PORT_ENV: str(settings.port),
        DBT_USER_ENV: settings.username,
        DBT_PASSWORD_ENV: settings.password,
        DBT_SECURE_ENV: "true" if settings.interface == "https" else "false",
        DB_PREFIX_ENV: settings.db_prefix,
        # The dbt wrapper dies with this process (core.warehouse.dbt_chdb.die_with_parent).
        DBT_PARENT_PID_ENV: str(os.getpid()),
    }


def dbt_executable() -> str:
    """The `mymedic-dbt` script next to this interpreter (dbt with the chdb driver registered)."""
    beside = Path(sys.executable).with_name("mymedic-dbt")
    if beside.exists():
        return str(beside)
    found = shutil.which("mymedic-dbt")
    if not found:
        raise RuntimeError("mymedic-dbt is not installed: run `make install`")
    return found


def dbt_vars(as_of: date | None) -> str:
    return "{as_of: '" + (as_of.isoformat() if as_of else "") + "'}"


def apply_dbt_env(settings: WarehouseSettings) -> None:
    os.environ.update(dbt_env(settings))
    os.environ.setdefault("DBT_PROFILES_DIR", str(DBT_PROJECT_DIR))
