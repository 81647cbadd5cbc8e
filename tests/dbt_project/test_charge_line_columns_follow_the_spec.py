"""dbt states the charge line shape once, in the `charge_spec_columns` macro (dbt_project/macros/charge_lines.sql),
checked here against ingestion/charge_line.py; the staging models' select lists (`charge_staged_columns`) and
the billing models' column list (`charge_line_columns`) are built from it, checked here as dbt renders them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment

from ingestion.charge_line import CHARGE_LINE_COLUMNS

DBT = Path(__file__).resolve().parents[2] / "dbt_project"
SPEC = [c.name for c in CHARGE_LINE_COLUMNS]
LOAD = ["wire_format", "batch_id", "source_file", "source_line", "loaded_at"]


def _macros() -> Any:
    """The charge line and load-metadata macros, rendered by plain Jinja as dbt renders them."""
    names = ("charge_lines", "load_metadata")
    text = "\n".join((DBT / f"macros/{n}.sql").read_text(encoding="utf-8") for n in names)
    return Environment().from_string(text).make_module()


def _names(select_list: str) -> list[str]:
    """Each selected column's name (the alias when there is one)."""
    return [re.split(r"\s+as\s+", item.strip())[-1] for item in str(select_list).split(",") if item.strip()]


def test_the_spec_macro_lists_the_charge_line_columns_in_order() -> None:
    assert _names(_macros().charge_spec_columns()) == SPEC


def test_the_billing_models_column_list_is_the_spec_then_the_load_metadata() -> None:
    macros = _macros()
    assert _names(macros.charge_line_columns()) == SPEC + LOAD
    joined = str(macros.charge_line_columns("lines"))
    assert "lines.mrn as mrn" in joined and _names(joined) == SPEC + LOAD


@pytest.mark.parametrize("fmt", ["hl7", "csv"])
def test_each_staging_model_selects_the_spec_then_its_wire_format_and_the_load_metadata(fmt: str) -> None:
    text = (DBT / f"models/staging/billing/stg_billing__{fmt}_charge_lines.sql").read_text(encoding="utf-8")
    body = re.search(r"renamed as \(\s*select(.*?)from source", text, re.S).group(1)
    assert body.strip() == f"{{{{ charge_staged_columns('{fmt}') }}}}"
    rendered = str(_macros().charge_staged_columns(fmt))
    assert _names(rendered) == SPEC + LOAD and f"'{fmt}' as wire_format" in rendered
