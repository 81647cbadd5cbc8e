"""TPA claim lifecycle exports, CSV or NDJSON, read through each format's YAML mapping (mapping.py,
docs/claims.md).

Which mapping: the folder. `claims/tpa/<tpa>/*.csv|*.ndjson` is read with `claims/tpa/<tpa>/mapping.yaml`,
else the built-in `mappings/<tpa>.yaml`; a file with neither is rejected with a reason saying where the
mapping goes (ingestion/csv_mapping.py, as for ADT and bill CSV). A CSV's header must carry every column the
mapping names; an NDJSON object may leave a field out (it is empty). Each record is one claim event: loaded,
or quarantined with a reason naming the column, the value and what was expected (a bad amount, an unknown
event, a missing claim id). The natural key is (tenant, `tpa/<tpa>`, the mapping's event id), so re-loading a
file, or a later export repeating events, adds nothing.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Literal

from core.time import IST
from ingestion.claim_event import AMOUNT_COLUMNS, Deduction, claim_row, deductions_json
from ingestion.csv_mapping import mapped_records, normal
from ingestion.csv_mapping import mapping_for as csv_mapping_for
from ingestion.csv_source import Span, line_spans, physical_lines, read_csv
from ingestion.feeds.base import LoadContext
from ingestion.feeds.claims_tpa.mapping import (
    TIME_COLUMNS,
    ClaimTpaMapping,
    built_in_mappings,
    load_mapping,
)
from ingestion.feeds.claims_tpa.spec import SPEC
from ingestion.parsers import paise, rupees_to_paise, show
from ingestion.record_blocks import record_block, record_blocks
from ingestion.records import Frame, Record, RecordBlock, RowError
from ingestion.spec import TableSpec
from ingestion.worker_pool import default_workers, worker_pool

BUILT_IN: dict[str, ClaimTpaMapping] = built_in_mappings()
JSON_SUFFIXES = frozenset({".ndjson", ".jsonl"})
POOL_FROM_BYTES = 4 << 20  # about 25,000 CSV rows
CHUNK_BYTES = 2 << 20  # a worker's span: about 12,000 rows


def mapping_for(path: Path) -> ClaimTpaMapping:
    """The format a file is in, by its folder (see the module docstring)."""
    return csv_mapping_for(path, SPEC.folder, BUILT_IN, load_mapping, "TPA claims", "docs/claims.md")


def _amount(mapping: ClaimTpaMapping, where: str, text: str) -> int:
    return (
        paise(where, text, non_negative=False) if mapping.amounts == "paise" else rupees_to_paise(where, text)
    )


def _label(mapping: ClaimTpaMapping, name: str) -> str:
    source = mapping.columns[name]
    return f"{source.column} ({name})" if source.const is None else f"{name} (a constant)"


def deduction_lines(mapping: ClaimTpaMapping, text: str) -> list[Deduction]:
    """`CODE:amount[:reason]` items separated by `;` (amounts as the mapping's), or a JSON list of
    {code, amount, reason} objects (an NDJSON field)."""
    where = _label(mapping, "deductions")
    if text.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError:
            raise RowError(f"column {where!r} has {show(text)}, not a JSON list of deductions") from None
        parts = [
            (str(i.get("code", "")), str(i.get("amount", "")), str(i.get("reason", "")))
            if isinstance(i, dict)
            else ("", "", "")
            for i in items
        ]
    else:
        parts = []
        for item in filter(None, (p.strip() for p in text.split(";"))):
            code, _, rest = item.partition(":")
            amount, _, reason = rest.partition(":")
            parts.append((code, amount, reason))
    lines = []
    for code, amount, reason in parts:
        if not code.strip() or not amount.strip():
            raise RowError(f"column {where!r} has {show(text)}; each deduction needs a code and an amount")
        lines.append(Deduction(code.strip(), reason.strip(), _amount(mapping, where, amount)))
    return lines


def parse_record(
    cells: dict[str, str], mapping: ClaimTpaMapping, tenant_id: str, source: str, raw: str
) -> dict[str, Any]:
    """One CSV row or NDJSON object (its fields as text) as a claim event row; raises RowError naming the
    column and what was expected."""
    values: dict[str, Any] = {}
    for name in mapping.columns:
        if name in TIME_COLUMNS:
            moment = mapping.time(name, cells)
            values[name] = (
                None
                if moment is None
                else moment
                if moment.tzinfo
                else moment.replace(tzinfo=mapping.tz or IST)
            )
        elif name in AMOUNT_COLUMNS:
            text = mapping.value(name, cells)
            values[name] = _amount(mapping, _label(mapping, name), text) if text else None
        elif name == "deductions":
            text = mapping.value(name, cells)
            lines = deduction_lines(mapping, text) if text else []
            values[name] = deductions_json(lines)
            if lines and values.get("deducted_paise") is None:
                values["deducted_paise"] = sum(d.amount_paise for d in lines)
        else:
            values[name] = mapping.value(name, cells)
    for required in ("message_id", "claim_id", "event_type"):
        if not values[required]:
            raise RowError(f"{mapping.where(required)} is empty but required")
    if values["event_time"] is None:
        raise RowError(f"{mapping.where('event_time')} is empty but required")
    if values.get("message_time") is None:
        values["message_time"] = values["event_time"]
    return claim_row(
        **values, tenant_id=tenant_id, source=source, sender=mapping.sender or mapping.name, raw=raw
    )


def _flat(obj: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """A JSON object's fields as text by their dotted path (lists and nulls as JSON text / '')."""
    out: dict[str, str] = {}
    for key, value in obj.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, f"{path}."))
        elif value is None:
            out[normal(path)] = ""
        elif isinstance(value, str):
            out[normal(path)] = value
        else:
            out[normal(path)] = json.dumps(value, ensure_ascii=False)
    return out


def json_records(
    path: Path, mapping: ClaimTpaMapping, parse: Any, span: Span | None = None
) -> Iterator[Record]:
    """Each non-blank line of an NDJSON export (of `span` of it) as a record: its object's fields read
    through the mapping."""
    for number, start, body in physical_lines(path, span):
        text = body.decode("utf-8", errors="replace")
        if not text.strip():
            continue
        where = {"offset": start, "length": len(body)}
        try:
            obj = json.loads(body.decode("utf-8"))
        except UnicodeDecodeError:
            yield Record(number, text, reason="line is not valid UTF-8 text", **where)
            continue
        except json.JSONDecodeError as exc:
            yield Record(number, text, reason=f"line is not JSON: {exc.msg} at column {exc.colno}", **where)
            continue
        if not isinstance(obj, dict):
            yield Record(number, text, reason="line is not a JSON object (a claim event)", **where)
            continue
        fields = _flat(obj)
        cells = {h: fields.get(h, "") for h in mapping.headers}
        try:
            values = parse(cells, mapping, text)
        except RowError as exc:
            yield Record(number, text, reason=str(exc), **where)
        else:
            yield Record(number, text, values=values, **where)


def file_records(
    path: Path, mapping: ClaimTpaMapping, tenant_id: str, span: Span | None = None
) -> Iterator[Record]:
    """The records of a CSV or NDJSON export (of `span` of it), each parsed through `mapping`."""
    source = f"tpa/{path.parent.name.lower()}"

    def parse(cells: dict[str, str], mapping: ClaimTpaMapping, raw: str) -> dict[str, Any]:
        return parse_record(cells, mapping, tenant_id, source, raw)

    if path.suffix.lower() in JSON_SUFFIXES:
        return json_records(path, mapping, parse, span)
    return mapped_records(path, mapping, parse, span)


class ClaimsTpaReader:
    """`workers`: processes a large file's lines are parsed in (default: one per CPU, at most MAX_WORKERS of
    ingestion/worker_pool.py; 1 parses in the loading process), in spans of about `chunk_bytes`. A file
    smaller than `pool_from` bytes is parsed in the loading process: starting the pool costs more."""

    kind: Literal["python"] = "python"

    def __init__(
        self, workers: int | None = None, pool_from: int = POOL_FROM_BYTES, chunk_bytes: int = CHUNK_BYTES
    ) -> None:
        self.workers = workers if workers is not None else default_workers()
        self.pool_from = pool_from
        self.chunk_bytes = chunk_bytes

    def unit(self, path: Path) -> str:
        return "lines"

    def records(
        self, path: Path, table: TableSpec, context: LoadContext
    ) -> Iterator[Record | Frame | RecordBlock]:
        mapping = mapping_for(path)
        if self.workers >= 2 and path.stat().st_size >= self.pool_from:
            yield from self._pooled(path, mapping, table, context.tenant_id)
            return
        # inserted as Arrow blocks, not row by row
        yield from record_blocks(file_records(path, mapping, context.tenant_id), table)

    def _pooled(
        self, path: Path, mapping: ClaimTpaMapping, table: TableSpec, tenant_id: str
    ) -> Iterator[RecordBlock]:
        """The file's spans parsed in worker processes, their blocks yielded in file order. A CSV's header is
        checked here first, so a file missing a column is rejected before any worker starts."""
        csv = path.suffix.lower() not in JSON_SUFFIXES
        if csv:
            next(read_csv(path, mapping.headers), None)  # raises FileRejected on a bad header
        pool = worker_pool(self.workers)
        window: deque[Future[RecordBlock]] = deque()
        for span in line_spans(path, self.chunk_bytes, header=csv):
            window.append(pool.submit(_parse_span, path, mapping, span, table, tenant_id))
            while len(window) > 2 * self.workers:
                if (block := window.popleft().result()).rows:
                    yield block
        while window:
            if (block := window.popleft().result()).rows:
                yield block


def _parse_span(
    path: Path, mapping: ClaimTpaMapping, span: Span, table: TableSpec, tenant_id: str
) -> RecordBlock:
    """In a worker: the records of a span of the file, as one Arrow block in the loader's staging columns
    (their lines and byte offsets are the file's: the span says where it starts)."""
    return record_block(list(file_records(path, mapping, tenant_id, span)), table)
