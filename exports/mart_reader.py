"""Read `marts.fct_payment_reconciliation`: its columns, then its rows in order, a block at a time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from core.warehouse import Warehouse
from exports.mart_columns import MartColumn, mart_columns

MART_DATABASE = "marts"
RECONCILIATION_TABLE = "fct_payment_reconciliation"
# The export's order; every remaining column follows as a tie-breaker, so equal keys still come out
# in one order and two runs on the same data write the same bytes.
SORT_KEY = ("tenant_id", "branch_id", "entity_type", "entity_id")
# Rows per streamed block. ClickHouse's default (65,409) makes each block a large burst of Python tuples
# and roughly doubles the peak memory of a full sorted read; 10,000 keeps it modest at little cost.
BLOCK_ROWS = 10_000


def quote_identifier(name: str) -> str:
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


class MartReader:
    """One mart table: `columns()` asks the warehouse for its columns; `row_blocks()` streams its rows."""

    def __init__(self, warehouse: Warehouse, table: str = RECONCILIATION_TABLE) -> None:
        self.warehouse = warehouse
        self.table = table
        self.qualified_name = f"{quote_identifier(warehouse.db(MART_DATABASE))}.{quote_identifier(table)}"
        self.display_name = f"{warehouse.db(MART_DATABASE)}.{table}"

    def columns(self) -> list[MartColumn]:
        if not self.warehouse.table_exists(MART_DATABASE, self.table):
            raise LookupError(f"{self.display_name} does not exist: build the marts (dbt) before exporting")
        result = self.warehouse.client.query(f"select * from {self.qualified_name} limit 0")
        columns = mart_columns(
            tuple(result.column_names), tuple(ch_type.name for ch_type in result.column_types)
        )
        missing = [key for key in SORT_KEY if key not in {c.name for c in columns}]
        if missing:
            raise LookupError(f"{self.display_name} has no column(s) {', '.join(missing)}")
        return columns

    def row_blocks(self, columns: Sequence[MartColumn]) -> Iterator[Sequence[tuple]]:
        """Every row in export order. Naive datetimes are UTC (`query_tz`)."""
        names = [c.name for c in columns]
        order = [*SORT_KEY, *(n for n in names if n not in SORT_KEY)]
        sql = (
            f"select {', '.join(quote_identifier(n) for n in names)} from {self.qualified_name} "
            f"order by {', '.join(quote_identifier(n) for n in order)}"
        )
        with self.warehouse.client.query_row_block_stream(
            sql, query_tz="UTC", settings={"max_block_size": BLOCK_ROWS}
        ) as stream:
            streamed = list(stream.source.column_names)  # empty when the result has no rows
            if streamed and streamed != names:
                raise RuntimeError(f"{self.display_name} changed while exporting: columns {streamed}")
            yield from stream
