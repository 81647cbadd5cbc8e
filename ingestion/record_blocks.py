"""Records as one Arrow block in the loader's staging columns: the table's data columns, then `_source_line`,
`_raw_line`, `_byte_offset`, `_byte_length`, `_reason`. A bad record holds each data column's blank value
(it is never loaded). Built where the records are parsed (a worker process), inserted by the loader as is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

import numpy as np
import pyarrow as pa

from ingestion.records import Record, RecordBlock
from ingestion.spec import TableSpec

STAGING_COLUMNS = ("_source_line", "_raw_line", "_byte_offset", "_byte_length", "_reason")
_STAGING_TYPES = (pa.uint64(), pa.string(), pa.uint64(), pa.uint64(), pa.string())


def blank_value(ch_type: str) -> Any:
    """The value a bad record holds in a data column of this type (it is never loaded)."""
    if ch_type.startswith("Nullable("):
        return None
    if ch_type.startswith("DateTime"):
        return datetime(1970, 1, 1, tzinfo=UTC)
    if ch_type == "Date":
        return date(1970, 1, 1)
    return "" if ch_type == "String" else 0


def arrow_type(ch_type: str) -> pa.DataType:
    """The Arrow type ClickHouse reads into `ch_type`, for the types a block carries; others raise."""
    inner = (
        ch_type.removeprefix("Nullable(").removesuffix(")") if ch_type.startswith("Nullable(") else ch_type
    )
    if inner == "String":
        return pa.string()
    if inner.startswith("DateTime64(3"):
        return pa.timestamp("ms", tz="UTC")
    if inner in ("Date32", "Date"):
        return pa.date32()
    if inner == "UInt64":
        return pa.uint64()
    if inner == "Int64":
        return pa.int64()
    raise ValueError(f"no Arrow block for ClickHouse type {ch_type}")


def block_names(table: TableSpec) -> list[str]:
    return [*table.column_names, *STAGING_COLUMNS]


def record_block(records: Sequence[Record], table: TableSpec, offset_base: int = 0) -> RecordBlock:
    """The records as one Arrow IPC stream in the staging columns (`offset_base` is added to each record's
    byte offset: a worker that parsed a slice of the file)."""
    data = table.data_columns
    blank = {c.name: blank_value(c.type) for c in data}
    values = [r.values if r.values is not None else blank for r in records]
    # one tuple per record (itemgetter of a single name is the value itself), then one sequence per column
    names = [c.name for c in data]
    columns: list[Sequence[Any]] = (
        [*zip(*map(itemgetter(*names), values), strict=True)] if len(names) > 1 and records
        else [[v[name] for v in values] for name in names]
    )  # fmt: skip
    columns += [
        [r.line for r in records],
        [r.raw for r in records],
        [r.offset + offset_base for r in records],
        [r.length for r in records],
        [(r.reason or "") if r.values is None else "" for r in records],
    ]
    types = [*(arrow_type(c.type) for c in data), *_STAGING_TYPES]
    arrays = [pa.array(values, type=kind) for values, kind in zip(columns, types, strict=True)]
    batch = pa.record_batch(arrays, names=block_names(table))
    return _stream(batch, len(records), records[-1].line if records else 0)


def record_blocks(records: Iterable[Record], table: TableSpec, size: int = 10_000) -> Iterator[RecordBlock]:
    """Records parsed in the loading process as blocks of `size`: the loader inserts each as Arrow, not
    row by row (what a Python reader of a large file yields)."""
    batch: list[Record] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield record_block(batch, table)
            batch = []
    if batch:
        yield record_block(batch, table)


def lines_at(block: RecordBlock) -> int:
    """Where the block's `_source_line` values (uint64, no nulls) start in its bytes, for `shift_lines`."""
    buffer = pa.py_buffer(block.arrow)
    batch = pa.ipc.open_stream(buffer).read_next_batch()  # zero-copy: its buffers point into `buffer`
    column = batch.column(batch.schema.get_field_index("_source_line"))
    return column.buffers()[1].address - buffer.address + column.offset * 8


def shift_lines(block: RecordBlock, lines: int, at: int) -> RecordBlock:
    """The block with `lines` added to each record's position (a worker counted them from its chunk's start),
    changed in place in the Arrow stream's bytes (`at`: `lines_at`), not decoded and written again."""
    if not lines or not block.rows:
        return block
    arrow = bytearray(block.arrow)
    values = np.frombuffer(arrow, dtype=np.uint64, count=block.rows, offset=at)
    values += np.uint64(lines)
    return RecordBlock(bytes(arrow), block.rows, block.last_line + lines)


def _stream(table: pa.Table | pa.RecordBatch, rows: int, last_line: int) -> RecordBlock:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write(table)
    return RecordBlock(sink.getvalue().to_pybytes(), rows, last_line)
