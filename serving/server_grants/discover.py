"""What the warehouse holds that BI readers may see: its tenants, and each relation (table or view) of the
`marts`, `bi` and `bi_phi` databases with its columns, its tenant column and its PHI columns."""

from __future__ import annotations

from dataclasses import dataclass

from core.warehouse import Warehouse
from dictionary.sensitivity import classify
from serving.bi_views import (
    BI,
    BI_PHI,
    BI_VIEWS,
    MARTS,
    PHI_CATEGORIES,
    STATUS_LEGEND_VIEW,
    TENANT_HEADER,
    is_phi,
    quote,
)

READABLE_DATABASES = (MARTS, BI, BI_PHI)
# The column that says whose row it is: `tenant_id` in the marts, its human header in the bi views.
TENANT_COLUMNS = ("tenant_id", TENANT_HEADER)
# Relations that hold no tenant's data (the status legend): every reader sees all of them.
SHARED_RELATIONS = frozenset({STATUS_LEGEND_VIEW})
# dbt's transient copies while a model builds: covered by the database-wide policies, never listed.
DBT_TRANSIENT = ("__dbt_tmp", "__dbt_backup", "__dbt_new_data")


@dataclass(frozen=True)
class Relation:
    database: str  # the logical database (marts, bi, bi_phi); the server's name has the prefix
    name: str
    columns: tuple[str, ...]

    @property
    def tenant_column(self) -> str | None:
        return next((c for c in TENANT_COLUMNS if c in self.columns), None)

    @property
    def shared(self) -> bool:
        return self.name in SHARED_RELATIONS

    @property
    def phi_columns(self) -> tuple[str, ...]:
        """The marts columns a BI reader does not get: those the `bi` views leave out (serving/bi_views.py,
        PHI on a patient-level view); on a mart no view reads, every column that may identify a person
        or their care (fail closed)."""
        views = [v for v in BI_VIEWS if v.mart == self.name]
        if views:
            return tuple(c for c in self.columns if any(is_phi(v, c) for v in views))
        return tuple(c for c in self.columns if PHI_CATEGORIES.intersection(classify(c)))


def relations(warehouse: Warehouse) -> list[Relation]:
    """Every relation of marts, bi and bi_phi the warehouse holds now (none before the first run)."""
    logical = {warehouse.db(name): name for name in READABLE_DATABASES}
    rows = warehouse.rows(
        "select database, table, groupArray(name) from"
        " (select database, table, name from system.columns"
        "  where database in {dbs:Array(String)} order by database, table, position)"
        " group by database, table order by database, table",
        {"dbs": list(logical)},
    )
    return [
        Relation(logical[database], table, tuple(columns))
        for database, table, columns in rows
        if not any(marker in table for marker in DBT_TRANSIENT)
    ]


def tenants(warehouse: Warehouse) -> list[str]:
    """The tenants the marts know (their branches), sorted; none before the first run."""
    if not warehouse.table_exists(MARTS, "dim_branches"):
        return []
    table = f"{quote(warehouse.db(MARTS))}.`dim_branches`"
    return [row[0] for row in warehouse.rows(f"select distinct tenant_id from {table} order by tenant_id")]
