"""A dataset: one mart, optionally some branches only, over a period, read through `MartReader` with the
columns for people beside the stored ones (the same columns the finance CSV has)."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field

from core.warehouse import Warehouse
from exports.export_columns import ExportColumn
from exports.framework.period import Period
from exports.framework.spec import DatasetSpec
from exports.mart_reader import RECONCILIATION_TABLE, SORT_KEY, MartReader, quote_identifier


@dataclass
class Table:
    """The rows of one dataset, in export order, after any PHI treatment (`hashed`: pseudonymised columns)."""

    mart: str
    display_name: str
    columns: list[ExportColumn]
    rows: list[tuple]
    hashed: frozenset[str] = field(default_factory=frozenset)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def records(self) -> list[dict[str, object]]:
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in self.rows]


def sql_text(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def dataset_filter(spec: DatasetSpec, period: Period) -> str:
    column = quote_identifier(spec.date_column)
    parts = [f"{column} between {sql_text(period.start.isoformat())} and {sql_text(period.end.isoformat())}"]
    if spec.branches is not None:
        branches = ", ".join(sql_text(b) for b in spec.branches) or "''"
        parts.append(f"`branch_id` in ({branches})")
    return " and ".join(parts)


def read_dataset(warehouse: Warehouse, spec: DatasetSpec, period: Period) -> Table:
    """Every row of the mart in the period (and branches), in the export's order."""
    sort_key = SORT_KEY if spec.mart == RECONCILIATION_TABLE else ()
    reader = MartReader(warehouse, spec.mart, sort_key=sort_key, where=dataset_filter(spec, period))
    columns = reader.columns()
    if spec.date_column not in {c.name for c in columns}:
        raise LookupError(f"{reader.display_name} has no column {spec.date_column} to select the period by")
    exported = reader.export_columns(columns)
    rows: list[tuple] = []
    with closing(reader.row_blocks(columns, exported)) as blocks:
        for block in blocks:
            rows.extend(block)
    return Table(spec.mart, reader.display_name, exported, rows)
