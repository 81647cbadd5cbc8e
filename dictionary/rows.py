"""The dictionary as rows of text: one per column (the CSV and the "Columns" sheet), one per model."""

from __future__ import annotations

from collections.abc import Iterator

from dictionary.catalog import Catalog

LIST_SEPARATOR = "; "
COLUMN_HEADER = ("layer", "model", "column", "type", "description", "sensitivity", "tests")
MODEL_HEADER = (
    "layer",
    "model",
    "relation",
    "materialization",
    "grain",
    "unique_key",
    "columns",
    "contains",
    "description",
    "model_tests",
)


def column_rows(catalog: Catalog) -> Iterator[tuple[str, ...]]:
    for model, column in catalog.rows():
        yield (
            model.layer,
            model.name,
            column.name,
            column.data_type,
            column.description,
            LIST_SEPARATOR.join(column.sensitivity),
            LIST_SEPARATOR.join(column.tests),
        )


def model_rows(catalog: Catalog) -> Iterator[tuple[str | int, ...]]:
    for model in catalog.models:
        yield (
            model.layer,
            model.name,
            model.relation,
            model.materialization,
            model.grain,
            ", ".join(model.key),
            len(model.columns),
            LIST_SEPARATOR.join(model.sensitivity),
            model.description,
            LIST_SEPARATOR.join(model.tests),
        )
