"""dbt restates the charge line shape in two places, each checked here against ingestion/charge_line.py: the
`charge_line_columns` macro the billing models carry columns by, and each billing staging model's select list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingestion.charge_line import CHARGE_LINE_COLUMNS

DBT = Path(__file__).resolve().parents[2] / "dbt_project"
SPEC = [c.name for c in CHARGE_LINE_COLUMNS]
LOAD = ["wire_format", "batch_id", "source_file", "source_line", "loaded_at"]


def test_the_macro_lists_the_spec_columns_then_the_load_metadata() -> None:
    text = (DBT / "macros/charge_lines.sql").read_text(encoding="utf-8")
    listed = re.findall(r"'([a-z0-9_]+)'", re.search(r"set columns = \[(.*?)\]", text, re.S).group(1))
    assert listed == SPEC + LOAD


@pytest.mark.parametrize("fmt", ["hl7", "csv"])
def test_each_staging_model_selects_the_spec_columns_in_order(fmt: str) -> None:
    text = (DBT / f"models/staging/billing/stg_billing__{fmt}_charge_lines.sql").read_text(encoding="utf-8")
    body = re.search(r"renamed as \(\s*select(.*?)from source", text, re.S).group(1)
    names = re.findall(r"^\s+([a-z0-9_]+),?\s*$", body, re.M)
    assert names == SPEC  # then the wire format and the load metadata
