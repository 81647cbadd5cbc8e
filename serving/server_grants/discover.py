"""What the warehouse holds that BI readers may see: its tenants, and each relation (table or view) of the
`marts`, `bi` and `bi_phi` databases with its columns, its tenant column and its PHI columns."""

from __future__ import annotations

from dataclasses import dataclass

from core.warehouse import Warehouse
from dictionary.sensitivity import HEALTH, IDENTITY, PATIENT_LINK, classify

MARTS, BI, BI_PHI = "marts", "bi", "bi_phi"
READABLE_DATABASES = (MARTS, BI, BI_PHI)
# The column that says whose row it is: `tenant_id` in the marts, its human header in the bi views.
TENANT_COLUMNS = ("tenant_id", "Tenant")
# Relations that hold no tenant's data (the status legend): every reader sees all of them.
SHARED_RELATIONS = frozenset({"status_legend"})
# A patient-level row (one patient's payment) is identified by these; on such a row these are PHI.
PHI_CATEGORIES = frozenset({IDENTITY, PATIENT_LINK, HEALTH})
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
        """Columns that tie a row to a patient, on a relation whose rows are about one patient (a payment
        with its booking); a doctor's name on the doctors' list is not PHI. The `bi` views leave out the
        same columns (serving/bi_views.py), so a BI reader needs none of them."""
        categories = {c: classify(c) for c in self.columns}
        patient_level = any(
            PATIENT_LINK in found or c.startswith("patient_") for c, found in categories.items()
        )
        if not patient_level:
            return ()
        return tuple(c for c, found in categories.items() if PHI_CATEGORIES.intersection(found))


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
    table = f"`{warehouse.db(MARTS)}`.`dim_branches`"
    return [row[0] for row in warehouse.rows(f"select distinct tenant_id from {table} order by tenant_id")]
