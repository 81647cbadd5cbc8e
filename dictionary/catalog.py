"""The catalog: every dbt model (marts, intermediate, staging) and every raw table, with their columns.

Models come from the dbt manifest (layer from the folder, materialization, description, declared column
types, tests); raw tables from the manifest's sources, typed and keyed by ingestion's SOURCE_TABLES (and the
exports' audit table, which dbt reads as a source too, by core/warehouse/export_audit.py).
Models are listed marts first (what BI reads), then by name; columns in the order their YAML declares them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.settings import DBT_PROJECT_DIR
from core.warehouse import export_audit
from dictionary.dbt_tests import DbtTestIndex, index_tests
from dictionary.manifest import load_manifest
from dictionary.sensitivity import SPEC_SENSITIVITY, classify, in_rule_order
from ingestion.spec import Column
from ingestion.spec import TableSpec as RawTable
from ingestion.tables import SOURCE_TABLES

RAW = "raw"
EXPORT_AUDIT = RawTable(
    export_audit.AUDIT_TABLE,
    "",  # described by its dbt source
    tuple(Column(name, kind, "") for name, kind in export_audit.COLUMNS),
    key=export_audit.ORDER_BY,
    metadata=False,
)
# the database of each raw table that is not in `raw`
DATABASES = {export_audit.AUDIT_TABLE: export_audit.AUDIT_DATABASE}
MODEL_LAYERS = ("marts", "intermediate", "staging")
LAYERS = (*MODEL_LAYERS, RAW)
GRAIN_START = re.compile(r"\bone row per\b", re.IGNORECASE)
GRAIN_GOES_ON = ("per ", "and per ")  # after a comma: "one row per payment, per refund and per …"


@dataclass(frozen=True)
class ColumnEntry:
    name: str
    data_type: str  # as declared in the YAML (models) or RAW_TABLES (raw); empty when not declared
    description: str
    sensitivity: tuple[str, ...]
    tests: tuple[str, ...]


@dataclass(frozen=True)
class ModelEntry:
    layer: str
    name: str
    relation: str  # database.table, without the environment's database prefix
    materialization: str
    description: str
    grain: str
    key: tuple[str, ...]
    tests: tuple[str, ...]  # tests on the whole model
    yaml_path: str  # where the description lives, relative to the dbt project
    columns: tuple[ColumnEntry, ...]

    @property
    def sensitivity(self) -> tuple[str, ...]:
        return in_rule_order({c for column in self.columns for c in column.sensitivity})


@dataclass(frozen=True)
class Catalog:
    models: tuple[ModelEntry, ...]

    def layer(self, layer: str) -> tuple[ModelEntry, ...]:
        return tuple(m for m in self.models if m.layer == layer)

    @property
    def layers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.layer for m in self.models))

    def rows(self) -> Iterator[tuple[ModelEntry, ColumnEntry]]:
        for model in self.models:
            for column in model.columns:
                yield model, column

    def model(self, name: str) -> ModelEntry:
        return next(m for m in self.models if m.name == name)


def tidy(text: str | None) -> str:
    """One line: YAML folding and doc blocks leave newlines and runs of spaces."""
    return " ".join((text or "").split())


def grain_of(node: Mapping[str, Any], description: str) -> str:
    """`meta.grain` when the YAML states it, else the description's "one row per …" phrase."""
    meta = {**(node.get("config", {}).get("meta") or {}), **(node.get("meta") or {})}
    if meta.get("grain"):
        return tidy(str(meta["grain"]))
    match = GRAIN_START.search(description)
    return grain_phrase(description[match.start() :]) if match else ""


def grain_phrase(text: str) -> str:
    """`text` up to the end of its first clause: a full stop, colon or semicolon, or a comma that does not
    go on with another "per …", outside parentheses and `code`."""
    depth, code = 0, False
    for i, char in enumerate(text):
        if char == "`":
            code = not code
        elif code:
            continue
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth = max(depth - 1, 0)
        elif depth == 0 and _ends_clause(text, i):
            return _sentence_case(text[:i])
    return _sentence_case(text)


def _ends_clause(text: str, i: int) -> bool:
    rest = text[i + 1 :]
    if text[i] in ".:;":
        return rest[:1] in ("", " ", "\n")
    return text[i] == "," and not rest.lstrip().startswith(GRAIN_GOES_ON)


def _sentence_case(phrase: str) -> str:
    phrase = phrase.strip()
    return phrase[:1].upper() + phrase[1:]


def layer_rank(model: ModelEntry) -> tuple[int, str, str]:
    rank = LAYERS.index(model.layer) if model.layer in LAYERS else len(LAYERS)
    return rank, model.layer, model.name


def _yaml_path(node: Mapping[str, Any]) -> str:
    patch = node.get("patch_path") or node.get("original_file_path") or ""
    return patch.split("://", 1)[-1]


def model_entry(node: Mapping[str, Any], tests: DbtTestIndex) -> ModelEntry:
    uid, description = node["unique_id"], tidy(node.get("description"))
    fqn = node.get("fqn") or []
    layer = fqn[1] if len(fqn) > 2 else "models"
    config = node.get("config") or {}
    columns = tuple(
        ColumnEntry(
            name=col["name"],
            data_type=col.get("data_type") or "",
            description=tidy(col.get("description")),
            sensitivity=classify(col["name"]),
            tests=tests.column_tests(uid, col["name"]),
        )
        for col in (node.get("columns") or {}).values()
    )
    unique = tuple(c.name for c in columns if any(t.split()[0] == "unique" for t in c.tests))
    return ModelEntry(
        layer=layer,
        name=node["name"],
        relation=f"{config.get('schema') or node.get('schema')}.{node.get('alias') or node['name']}",
        materialization=config.get("materialized") or "",
        description=description,
        grain=grain_of(node, description),
        key=tests.keys.get(uid) or unique,
        tests=tests.node_tests(uid),
        yaml_path=_yaml_path(node),
        columns=columns,
    )


def declared_categories(column: Column | None) -> tuple[str, ...]:
    """The dictionary categories of the sensitivity a feed spec declares for a column."""
    return SPEC_SENSITIVITY.get(column.sensitivity, ()) if column else ()


def raw_entry(
    name: str, table: RawTable | None, source: Mapping[str, Any] | None, tests: DbtTestIndex
) -> ModelEntry:
    """A raw table: its columns in SOURCE_TABLES order (with the load metadata), described by its dbt source."""
    uid = source["unique_id"] if source else ""
    declared = (source or {}).get("columns") or {}
    specs = {c.name: c for c in table.stored_columns} if table else {}
    names = list(dict.fromkeys([*specs, *declared]))
    columns = tuple(
        ColumnEntry(
            name=col,
            data_type=(specs[col].type if col in specs else "")
            or (declared.get(col) or {}).get("data_type")
            or "",
            description=tidy((declared.get(col) or {}).get("description"))
            or (specs[col].description if col in specs else ""),
            sensitivity=in_rule_order({*classify(col), *declared_categories(specs.get(col))}),
            tests=tests.column_tests(uid, col),
        )
        for col in names
    )
    description = tidy((source or {}).get("description")) or (table.description if table else "")
    kind = "append-only MergeTree" + (", versioned" if table and table.versioned else "")
    return ModelEntry(
        layer=RAW,
        name=name,
        relation=f"{DATABASES.get(name) or _source_database(source)}.{name}",
        materialization=f"raw table ({kind})" if table else "raw table",
        description=description,
        grain=grain_of(source or {}, description),
        key=table.key if table else (),
        tests=tests.node_tests(uid) if uid else (),
        yaml_path=_yaml_path(source or {}),
        columns=columns,
    )


def _source_database(source: Mapping[str, Any] | None) -> str:
    """The source's ClickHouse database without the deployment's prefix: raw, or marts (dq_results)."""
    return "marts" if source and str(source.get("schema", "")).endswith("marts") else RAW


def build_catalog(
    manifest: Mapping[str, Any], raw_tables: tuple[RawTable, ...] = (*SOURCE_TABLES, EXPORT_AUDIT)
) -> Catalog:
    tests = index_tests(manifest)
    models = [
        model_entry(node, tests)
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "model"
    ]
    sources = {s["identifier"] or s["name"]: s for s in manifest.get("sources", {}).values()}
    by_name = {t.name: t for t in raw_tables}
    models += [
        raw_entry(name, by_name.get(name), sources.get(name), tests) for name in sorted({*sources, *by_name})
    ]
    return Catalog(models=tuple(sorted(models, key=layer_rank)))


def catalog_for_project(project_dir: Path = DBT_PROJECT_DIR) -> Catalog:
    """Parse the dbt project if its manifest is stale, and build the catalog from it."""
    return build_catalog(load_manifest(project_dir))
