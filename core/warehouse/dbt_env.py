"""What dbt needs to reach the same warehouse as everything else: env vars read by profiles.yml."""

from __future__ import annotations

import os
import shutil
import sys
from datetime import date
from pathlib import Path

from core.settings import DBT_PROJECT_DIR, WarehouseSettings


def dbt_env(settings: WarehouseSettings) -> dict[str, str]:
    """Environment for a dbt process on `settings` (the profile reads only these)."""
    env = {
        "MYMEDIC_DBT_DRIVER": "chdb" if settings.embedded else "http",
        "MYMEDIC_DBT_HOST": str(settings.path) if settings.embedded else settings.host,
        "MYMEDIC_DBT_PORT": str(settings.port),
        "MYMEDIC_DBT_USER": settings.username,
        "MYMEDIC_DBT_PASSWORD": settings.password,
        "MYMEDIC_DBT_SECURE": "true" if settings.interface == "https" else "false",
        "MYMEDIC_DB_PREFIX": settings.db_prefix,
    }
    return env


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
