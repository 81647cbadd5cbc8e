"""What a Python reader yields: one input record, either parsed values for the raw table or a reason it can't be."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Record:
    line: int  # 1-based position in the source file (line, JSON item, HL7 message or page)
    raw: str  # the record as received (the quarantine keeps at most 4 KB of it)
    values: dict[str, Any] | None = None  # the raw table's data columns, typed
    reason: str | None = None  # why the record can't be loaded (then values is None)
    offset: int = 0  # byte offset of the record in the file
    length: int = 0  # its length in bytes

    @classmethod
    def bad(cls, line: int, raw: str, reason: str, offset: int = 0, length: int = 0) -> Record:
        return cls(line=line, raw=raw, reason=reason, offset=offset, length=length)


class RowError(ValueError):
    """A row-level problem whose message is the quarantine reason a person reads."""


class FileRejected(ValueError):
    """The whole file can't be read as this feed (every record of it is quarantined with this reason)."""


@dataclass(frozen=True, slots=True)
class Frame:
    """A line of a file's frame, not a record: a statement's header block, its table header, a rule line,
    its footer, its balance brought forward. A reader yields it so that no line goes unaccounted for: it is
    not counted as read (the loader counts records), and the load ledger's note lists the frame lines."""

    line: int
    part: str  # "header block" | "table header" | "rule" | "footer" | "balance brought forward"


@dataclass(frozen=True, slots=True)
class RecordBlock:
    """Many records at once, already in the loader's staging columns (ingestion/record_blocks.py) as an Arrow
    IPC stream: what a reader that parses in worker processes yields, so that the loading process only
    hands the bytes to the warehouse. `rows` records; the last one is at position `last_line`."""

    arrow: bytes
    rows: int
    last_line: int
