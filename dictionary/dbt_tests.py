"""The dbt tests in the manifest, written the way a reader wants them: `not_null`, `unique`,
`accepted_values [a, b]`, `relationships → dim_branches.branch_id (warn)`, `unique (tenant_id, branch_id)`.

Tests on a column belong to that column; generic tests on a whole model and singular tests (SQL files in
tests/) belong to every model they read.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

REF = re.compile(r"""^\s*(?:ref|source)\((.*)\)\s*$""")
HIDDEN_KWARGS = ("column_name", "model")


@dataclass
class DbtTestIndex:
    """Rendered tests by (node id, column) and by node id (model-level), each list sorted."""

    by_column: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    by_node: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)  # unique_combination_of_columns

    def column_tests(self, node_id: str, column: str) -> tuple[str, ...]:
        return tuple(sorted(self.by_column.get((node_id, column), ())))

    def node_tests(self, node_id: str) -> tuple[str, ...]:
        return tuple(sorted(self.by_node.get(node_id, ())))


def _value(value: object) -> str:
    return "''" if value == "" else str(value)


def _referenced(to: str) -> str:
    """`ref('dim_branches')` -> `dim_branches`; `source('raw', 't')` -> `raw.t`."""
    match = REF.match(to)
    if not match:
        return to
    return ".".join(part.strip().strip("'\"") for part in match.group(1).split(","))


def render_test(node: Mapping[str, Any]) -> str:
    meta = node.get("test_metadata") or {}
    config = node.get("config") or {}
    if not meta:
        text = f"singular: {node['name']}"
    else:
        name = meta["name"]
        kwargs = {k: v for k, v in (meta.get("kwargs") or {}).items() if k not in HIDDEN_KWARGS}
        if name == "accepted_values":
            text = f"accepted_values [{', '.join(_value(v) for v in kwargs.get('values') or ())}]"
        elif name == "relationships":
            text = f"relationships → {_referenced(str(kwargs.get('to', '')))}.{kwargs.get('field', '')}"
        elif name == "unique_combination_of_columns":
            text = f"unique ({', '.join(kwargs.get('combination_of_columns') or ())})"
        else:
            text = name + (f" {json.dumps(kwargs, sort_keys=True)}" if kwargs else "")
        if meta.get("namespace"):
            text = f"{meta['namespace']}.{text}"
    if config.get("where"):
        text += f" where {config['where']}"
    if str(config.get("severity") or "error").lower() == "warn":
        text += " (warn)"
    return text


def index_tests(manifest: Mapping[str, Any]) -> DbtTestIndex:
    index = DbtTestIndex()
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "test":
            continue
        text = render_test(node)
        attached, column = node.get("attached_node"), node.get("column_name")
        if attached and column:
            index.by_column[(attached, column)].append(text)
            continue
        targets = [attached] if attached else list(node.get("depends_on", {}).get("nodes", ()))
        for target in targets:
            index.by_node[target].append(text)
        meta = node.get("test_metadata") or {}
        if attached and meta.get("name") == "unique_combination_of_columns":
            index.keys[attached] = tuple(meta.get("kwargs", {}).get("combination_of_columns") or ())
    return index
