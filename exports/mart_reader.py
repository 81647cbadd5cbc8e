"""Read a mart table: its columns, then its rows in order, a block at a time, with the columns for people
(`exports.export_columns`) computed in the same query."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from core.warehouse import Warehouse
from exports.export_columns import BRANCH_NAME, ExportColumn, export_columns, quote_identifier
from exports.mart_columns import MartColumn, mart_columns

MART_DATABASE = "marts"
RECONCILIATION_TABLE = "fct_payment_reconciliation"
BRANCHES_TABLE = "dim_branches"
# The reconciliation export's order; every remaining column follows as a tie-breaker, so equal keys still
# come out in one order and two runs on the same data write the same bytes.
SORT_KEY = ("tenant_id", "branch_id", "entity_type", "entity_id")
# Rows per streamed block. ClickHouse's default (65,409) makes each block a large burst of Python tuples
# and roughly doubles the peak memory of a full sorted read; 10,000 keeps it modest at little cost.
BLOCK_ROWS = 10_000

__all__ = ["MartReader", "quote_identifier"]


class MartReader:
    """One mart table: `columns()` asks the warehouse for its columns; `export_columns()` adds the columns
    for people; `row_blocks()` streams the rows."""

    def __init__(
        self,
        warehouse: Warehouse,
        table: str = RECONCILIATION_TABLE,
        *,
        sort_key: Sequence[str] = SORT_KEY,
        where: str = "",
    ) -> None:
        """`where`: an optional SQL condition over the mart's columns (a bundle's period and branches)."""
        self.warehouse = warehouse
        self.where = where
        self.table = table
        self.sort_key = tuple(sort_key)
        self.qualified_name = f"{quote_identifier(warehouse.db(MART_DATABASE))}.{quote_identifier(table)}"
        self.display_name = f"{warehouse.db(MART_DATABASE)}.{table}"

    def exists(self) -> bool:
        return self.warehouse.table_exists(MART_DATABASE, self.table)

    def columns(self) -> list[MartColumn]:
        if not self.exists():
            raise LookupError(f"{self.display_name} does not exist: build the marts (dbt) before exporting")
        result = self.warehouse.client.query(f"select * from {self.qualified_name} limit 0")
        columns = mart_columns(
            tuple(result.column_names), tuple(ch_type.name for ch_type in result.column_types)
        )
        missing = [key for key in self.sort_key if key not in {c.name for c in columns}]
        if missing:
            raise LookupError(f"{self.display_name} has no column(s) {', '.join(missing)}")
        return columns

    def _joins_branches(self, columns: Sequence[MartColumn]) -> bool:
        names = {c.name for c in columns}
        return (
            {"tenant_id", "branch_id"} <= names
            and BRANCH_NAME not in names
            and self.warehouse.table_exists(MART_DATABASE, BRANCHES_TABLE)
        )

    def export_columns(self, columns: Sequence[MartColumn]) -> list[ExportColumn]:
        return export_columns(list(columns), with_branch_name=self._joins_branches(columns))

    def row_blocks(
        self, columns: Sequence[MartColumn], exported: Sequence[ExportColumn]
    ) -> Iterator[Sequence[tuple]]:
        """Every row of `exported` in export order. Naive datetimes are UTC (`query_tz`)."""
        names = [c.name for c in columns]
        order = [*self.sort_key, *(n for n in names if n not in self.sort_key)]
        source = self.qualified_name
        if self._joins_branches(columns):
            branches = (
                f"{quote_identifier(self.warehouse.db(MART_DATABASE))}.{quote_identifier(BRANCHES_TABLE)}"
            )
            source = (
                f"{source} any left join (select tenant_id, branch_id, {BRANCH_NAME} from {branches}) as branches "
                "using (tenant_id, branch_id)"
            )
        sql = (
            f"select {', '.join(f'{c.sql} as {quote_identifier(c.name)}' for c in exported)} from {source} "
            f"{f'where {self.where} ' if self.where else ''}"
            f"order by {', '.join(quote_identifier(n) for n in order)}"
        )
        expected = [c.name for c in exported]
        with self.warehouse.client.query_row_block_stream(
            sql, query_tz="UTC", settings={"max_block_size": BLOCK_ROWS}
        ) as stream:
            streamed = list(stream.source.column_names)  # empty when the result has no rows
            if streamed and streamed != expected:
                raise RuntimeError(f"{self.display_name} changed while exporting: columns {streamed}")
            yield from stream
