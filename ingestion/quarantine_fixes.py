"""Fix a quarantined record: load a corrected file through the normal loader, then mark the record fixed.

The corrected file is written beside the file that held the record, named
`<stem>.fix-<line>-<YYYYMMDDTHHMMSSZ><suffix>`, so it is read with the same folder's configuration, a later
run of the pipeline finds it already loaded, and a rebuild from the data directory loads it again. Its load
is an ordinary one: its own batch and ledger row (rows read = loaded + quarantined + skipped). The
quarantined record is never deleted or changed; a `raw.quarantine_fixes` row, written after the corrected
file's load committed, says which load fixed it, and it is then no longer open. Only a load that read at
least one record and quarantined none fixes the record; otherwise the outcome says why, and what the
corrected file's load quarantined is in the quarantine like any other file's.

The caller holds the warehouse alone (one load at a time, as `mymedic run` does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext, feed_named
from ingestion.feeds.reference import tenant_of
from ingestion.loader import ALREADY_LOADED, BatchResult, load_file
from ingestion.quarantine import QuarantinedRecord, quarantined_record
from ingestion.tables import QUARANTINE_FIXES, create_raw_tables

MAX_CORRECTED_BYTES = 10 * 1024 * 1024


class FixRefused(ValueError):
    """The record can't be fixed this way; the message says what to do instead."""


@dataclass(frozen=True)
class FixOutcome:
    record: QuarantinedRecord
    corrected_file: str  # relative to the data directory ('' when nothing was written)
    load: BatchResult
    fixed: bool
    message: str  # one line for the operator


def corrected_name(original: PurePosixPath, line: int, at: datetime) -> str:
    return f"{original.stem}.fix-{line}-{at.strftime('%Y%m%dT%H%M%SZ')}{original.suffix}"


def _data_file(data_dir: Path, source_file: str) -> PurePosixPath:
    relative = PurePosixPath(source_file)
    if relative.is_absolute() or ".." in relative.parts or not (data_dir / relative).is_file():
        raise FixRefused(
            f"{source_file} is not a file of the data directory {data_dir}; fix it there and run the pipeline"
        )
    return relative


def fix_record(
    warehouse: Warehouse,
    data_dir: Path,
    *,
    batch_id: str,
    line: int,
    corrected: bytes,
    actor: str,
    at: datetime,
) -> FixOutcome:
    """Load `corrected` as a fix of the quarantined record (`batch_id`, `line`); see the module docstring.

    Raises LookupError when there is no such quarantined record, FixRefused when it can't be fixed so."""
    record = quarantined_record(warehouse, batch_id, line)
    if record is None:
        raise LookupError(f"no quarantined record {batch_id} line {line}")
    if not record.open:
        raise FixRefused(f"{record.file} line {line} was fixed already, by {record.fixed_by_file}")
    if not corrected.strip():
        raise FixRefused("the corrected file is empty; upload the record as it should have been")
    if len(corrected) > MAX_CORRECTED_BYTES:
        raise FixRefused(
            f"the corrected file is over {MAX_CORRECTED_BYTES // (1024 * 1024)} MB; fix it in the data directory"
        )
    feed = feed_named(record.feed)
    original = _data_file(data_dir, record.file)
    relative = original.parent / corrected_name(original, line, at)
    if not feed.accepts(Path(relative)) or feed.table_for(Path(relative)) != feed.table_for(Path(original)):
        raise FixRefused(
            f"a corrected {original.name} can't be named so the {feed.name} feed reads it like the original; "
            "fix the file in the data directory instead"
        )
    try:
        context = LoadContext(tenant_of(data_dir))
    except (FileNotFoundError, ValueError) as exc:
        raise FixRefused(str(exc)) from None
    path = data_dir / relative
    path.write_bytes(corrected)
    create_raw_tables(warehouse)
    result = load_file(warehouse, feed, path, context, source=relative.as_posix())
    if result.status == ALREADY_LOADED:
        path.unlink()
        return FixOutcome(record, "", result, False, "this content was loaded before; nothing was loaded")
    fixed = result.status == "loaded" and result.rows_read > 0 and result.rows_quarantined == 0
    if fixed:
        _mark_fixed(warehouse, record, result, actor)
        message = f"fixed: {relative} loaded {result.rows_loaded} of {result.rows_read} record(s)"
    elif result.status == "loaded":
        message = (
            f"not fixed: {relative} quarantined {result.rows_quarantined} of {result.rows_read} record(s); "
            "see the quarantine for why"
        )
    else:
        message = f"not fixed: {relative} was {result.status}: {_one_line(result.note)}"
    return FixOutcome(record, relative.as_posix(), result, fixed, message)


def _mark_fixed(warehouse: Warehouse, record: QuarantinedRecord, result: BatchResult, actor: str) -> None:
    raw = warehouse.db("raw")
    finished = warehouse.scalar(
        f"select max(finished_at) from `{raw}`.load_ledger where _batch_id = {{batch:String}}",
        {"batch": result.batch_id},
    )
    row = {
        "feed": record.feed,
        "_batch_id": record.batch_id,
        "_source_line": record.line,
        "_source_file": record.file,
        "fixed_by_batch_id": result.batch_id,
        "fixed_by_file": result.source_file,
        "fixed_by": actor,
        "fixed_at": finished,
    }
    names = ", ".join(f"`{c.name}`" for c in QUARANTINE_FIXES.columns)
    values = ", ".join(f"{{{c.name}:{c.type}}}" for c in QUARANTINE_FIXES.columns)
    warehouse.command(f"insert into `{raw}`.quarantine_fixes ({names}) select {values}", row)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()[:300]
