"""The variance marts' metric names (dbt_project/macros/branch_variance.sql) are the ones reference/targets.csv
may name (ingestion/feeds/reference/spec.py VARIANCE_METRICS): a target for a metric the marts do not compute,
or a metric no target can name, fails here."""

from __future__ import annotations

import re
from pathlib import Path

from ingestion.feeds.reference.spec import VARIANCE_METRICS

MACRO = Path(__file__).resolve().parents[2] / "dbt_project" / "macros" / "branch_variance.sql"


def test_the_macro_computes_exactly_the_metrics_a_target_may_name() -> None:
    listing = MACRO.read_text().split("{%- set metrics = [", 1)[1].split("] -%}", 1)[0]
    names = re.findall(r"^\s*\('(\w+)',", listing, flags=re.MULTILINE)
    assert names == list(VARIANCE_METRICS)
