"""Run the real dbt project as a subprocess against one warehouse, the way orchestration does."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from core.settings import DBT_PROJECT_DIR, WarehouseSettings
from core.warehouse.dbt_env import dbt_env, dbt_executable


def run_dbt(settings: WarehouseSettings, work_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """dbt as a subprocess on `settings`; target/ and logs/ go to `work_dir` so parallel runs don't clash."""
    command = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
    ]
    env = {**os.environ, **dbt_env(settings), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)


def run_results(work_dir: Path) -> dict[str, str]:
    """unique_id -> status of every node of the last dbt invocation."""
    results = json.loads((work_dir / "target" / "run_results.json").read_text())
    # exposures (models/exposures.yml) are listed too, as no-op: they are not built
    return {
        r["unique_id"]: r["status"] for r in results["results"] if not r["unique_id"].startswith("exposure.")
    }


def dbt_failure(result: subprocess.CompletedProcess[str]) -> str:
    return f"dbt exited {result.returncode}\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"


def build_ok(settings: WarehouseSettings, work_dir: Path, *selection: str) -> None:
    """`dbt build --select SELECTION` (tests of unselected parents left out), asserted to pass every node."""
    result = run_dbt(settings, work_dir, "build", "--select", *selection, "--indirect-selection", "cautious")
    assert result.returncode == 0, dbt_failure(result)
    assert set(run_results(work_dir).values()) <= {"success", "pass"}


def mart_column_types(settings: WarehouseSettings, mart: str) -> dict[str, str]:
    """name -> ClickHouse type of each column of the built mart, in table order (its enforced contract)."""
    from core.warehouse import open_warehouse

    with open_warehouse(settings) as warehouse:
        return dict(
            warehouse.rows(
                "select name, type from system.columns where database = {db:String} and table = {t:String}"
                " order by position",
                {"db": warehouse.db("marts"), "t": mart},
            )
        )
