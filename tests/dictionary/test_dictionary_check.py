"""`mymedic dictionary --check`: passes on the real project, fails naming what a broken copy lacks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dictionary_project import copy_project, drop_description
from typer.testing import CliRunner

from core.settings import DBT_PROJECT_DIR
from dictionary.check import check_project
from mymedic.cli import app

MART_YML = "models/marts/fct_payment_reconciliation.yml"
DIM_YML = "models/marts/dim_branches.yml"


@pytest.fixture(scope="module")
def broken_project(tmp_path_factory: pytest.TempPathFactory, manifest: dict[str, Any]) -> Path:
    """The dbt project with one mart column's description and one mart's description removed (copied after
    the real project is parsed, so the copy starts from fresh partial-parse state)."""
    project = copy_project(tmp_path_factory.mktemp("dbt") / "dbt_project")
    drop_description(project, MART_YML, "fct_payment_reconciliation", "order_id")
    drop_description(project, DIM_YML, "dim_branches")
    return project


def test_check_passes_on_the_real_project() -> None:
    assert check_project(DBT_PROJECT_DIR) == []
    result = CliRunner().invoke(app, ["dictionary", "--check"])
    assert result.exit_code == 0, result.output


def test_check_names_the_model_and_column_without_a_description(broken_project: Path) -> None:
    problems = check_project(broken_project)
    assert problems == [
        f"marts model dim_branches: the model has no description ({DIM_YML})",
        f"marts model fct_payment_reconciliation: column order_id has no description ({MART_YML})",
    ]


def test_check_command_fails_loudly_on_the_broken_copy(broken_project: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["dictionary", "--check", "--dbt-project", str(broken_project)])
    assert result.exit_code == 1
    assert "fct_payment_reconciliation: column order_id has no description" in result.stderr
    assert "dim_branches: the model has no description" in result.stderr
    assert "2 missing description(s)" in result.stderr
    assert not (tmp_path / "dd").exists()
