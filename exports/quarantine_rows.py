"""The quarantined input records for the workbook's Quarantine sheet: feed, file, line and reason only.

`raw.quarantine` also keeps the record as received (`raw_line`), which is patient-linked (booking events
carry patient ids, bank statements name payers): it is never read here. The rows are those of committed
loads (a load's quarantine rows count once its ledger row exists), as `mymedic quarantine list` shows them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from core.warehouse import Warehouse
from exports.export_columns import quote_identifier
from exports.mart_columns import ColumnKind

RAW_DATABASE = "raw"
NAMES = ["feed", "file", "line", "reason"]
KINDS = [ColumnKind.TEXT, ColumnKind.TEXT, ColumnKind.INTEGER, ColumnKind.TEXT]
BLOCK_ROWS = 10_000


def quarantine_blocks(warehouse: Warehouse) -> Iterator[Sequence[tuple]]:
    """Blocks of (feed, file, line, reason), in that order; nothing when there is no quarantine table."""
    if not (
        warehouse.table_exists(RAW_DATABASE, "quarantine")
        and warehouse.table_exists(RAW_DATABASE, "load_ledger")
    ):
        return
    raw = quote_identifier(warehouse.db(RAW_DATABASE))
    sql = (
        f"select feed, _source_file as file, _source_line as line, reason from {raw}.quarantine "
        f"where _batch_id in (select _batch_id from {raw}.load_ledger) order by feed, file, line, reason"
    )
    with warehouse.client.query_row_block_stream(sql, settings={"max_block_size": BLOCK_ROWS}) as stream:
        yield from stream
