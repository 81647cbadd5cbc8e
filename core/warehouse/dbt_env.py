"""What dbt needs: env vars read by profiles.yml (to reach the same warehouse as everything else), the
executable, and a current manifest.json."""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from dagster_dbt import DbtProject

# What `dbt parse` reads besides dbt_project.yml; a newer file than the manifest makes the manifest stale.
SOURCE_FOLDERS = ("models", "macros", "tests", "seeds", "snapshots", "analyses")


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


def newest_source_mtime(project_dir: Path) -> float:
    files = [project_dir / "dbt_project.yml"]
    for folder in SOURCE_FOLDERS:
        files += [p for p in (project_dir / folder).rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in files if p.exists())


def prepare_manifest(project: DbtProject) -> Path:
    """`project.manifest_path`, prepared by dagster-dbt first when it is missing or older than a source file.

    dagster-dbt's own story: under `dagster dev` `DbtProject.prepare_if_dev()` parses on every code load
    (orchestration/dbt_project.py calls it), and a deployment runs `dagster-dbt project prepare-and-package
    --file orchestration/dbt_project.py` at build time. `mymedic run`, the dictionary, the tests and CI are
    neither, so they call this: the same preparer (`DbtProject.preparer.prepare`, i.e. `dbt parse`), only
    when the manifest is stale, so an unchanged project costs a few `stat` calls instead of a parse.

    Concurrent callers (pytest-xdist workers importing the definitions at once) are safe: the preparer
    holds a file lock beside the manifest and skips the parse when another process wrote the manifest while
    it waited. Parsing needs no warehouse, so plain `dbt` (not `mymedic-dbt`) does it; the preparer finds
    it on PATH, which lacks the virtualenv's scripts when `.venv/bin/mymedic` runs unactivated.
    """
    manifest = project.manifest_path
    if manifest.exists() and manifest.stat().st_mtime >= newest_source_mtime(project.project_dir):
        return manifest
    scripts = sysconfig.get_path("scripts")
    if shutil.which("dbt") is None and scripts:
        os.environ["PATH"] = os.pathsep.join([scripts, os.environ.get("PATH", "")])
    project.preparer.prepare(project)
    return manifest
