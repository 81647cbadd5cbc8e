"""What each dbt test checks, in a sentence, for its Dagster asset check and the data-quality history.

A test's own description wins: its dbt `description:`, else `meta.description` (what dagster-dbt reads).
The singular tests in dbt_project/tests/ state theirs in their SQL file's `config(meta=…)`: dbt's partial
parse drops a singular test's YAML `description:` whenever a properties file changes, the SQL's config
it keeps. A generic test says what it checks from its arguments and, where it is about a
column, that column's dbt description: "fct_payment_reconciliation.status is one of matched, ….
status: …" (the column's own words). A test that has neither has no description, which tests/orchestration/
test_check_descriptions.py refuses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

REF = re.compile(r"ref\(\s*['\"]([^'\"]+)['\"]\s*\)")


def _listed(values: Any) -> str:
    return ", ".join(str(v) for v in values) if isinstance(values, list | tuple) else str(values)


# generic test name -> sentence from (model, column, kwargs)
GENERIC: dict[str, Callable[[str, str, Mapping[str, Any]], str]] = {
    "not_null": lambda model, column, kw: f"{model}.{column} is never null",
    "unique": lambda model, column, kw: f"no two rows of {model} share a {column}",
    "accepted_values": lambda model, column, kw: (
        f"{model}.{column} is one of {_listed(kw.get('values', []))}"
    ),
    "relationships": lambda model, column, kw: (
        f"every {model}.{column} is a {kw.get('field', column)} of {_ref_name(str(kw.get('to', '')))}"
    ),
    "unique_combination_of_columns": lambda model, column, kw: (
        f"{model} has one row per ({_listed(kw.get('combination_of_columns', []))})"
    ),
    "exactly_one_row": lambda model, column, kw: f"{model} has exactly one row",
}


def _ref_name(text: str) -> str:
    found = REF.search(text)
    return found.group(1) if found else text


def _model_node(test: Mapping[str, Any], manifest: Mapping[str, Any]) -> Mapping[str, Any]:
    name = _ref_name(str((test.get("test_metadata") or {}).get("kwargs", {}).get("model", "")))
    for unique_id in test.get("depends_on", {}).get("nodes", []):
        node = manifest["nodes"].get(unique_id, {})
        if node.get("name") == name:
            return node
    return {"name": name}


def check_description(test: Mapping[str, Any], manifest: Mapping[str, Any]) -> str | None:
    """The test's description: its dbt `description:` (or meta.description), else one derived from a
    known generic test's arguments; None when it has neither."""
    own = (test.get("description") or "").strip() or (test.get("meta") or {}).get("description")
    if own:
        return " ".join(own.split())
    metadata = test.get("test_metadata") or {}
    sentence = GENERIC.get(metadata.get("name", ""))
    if sentence is None:
        return None
    model = _model_node(test, manifest)
    column = test.get("column_name") or metadata.get("kwargs", {}).get("column_name") or ""
    text = sentence(model["name"], column, metadata.get("kwargs", {}))
    about = " ".join(((model.get("columns") or {}).get(column, {}).get("description") or "").split())
    return text + (f". {column}: {about}" if about else "")
