"""The persistent Dagster instance: the run history `make dagster` shows, which `mymedic run` records in too.

Its home is `$DAGSTER_HOME`, else `.mymedic/dagster` under the working directory (what `make dagster` sets
from the project's root). A home without a `dagster.yaml` gets the project's (orchestration/dagster.yaml):
SQLite storage beside it, runs queued one at a time. A deployment's home (deploy/dagster/dagster.yaml,
PostgreSQL) is used as it is.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster import DagsterInstance

from core.settings import DAGSTER_HOME_ENV, DEFAULT_DAGSTER_HOME

INSTANCE_CONFIG = Path(__file__).with_name("dagster.yaml")


def dagster_home() -> Path:
    return Path(os.environ.get(DAGSTER_HOME_ENV) or DEFAULT_DAGSTER_HOME).resolve()


@contextmanager
def run_history() -> Iterator[DagsterInstance]:
    """The instance at `dagster_home()`, made on first use."""
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(INSTANCE_CONFIG, home / "dagster.yaml")
    with DagsterInstance.from_config(str(home)) as instance:
        yield instance
