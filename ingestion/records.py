"""What a feed reader yields: one input row, either parsed values for the raw table or a reason it can't be."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Record:
    line: int  # 1-based line (or item) number in the source file
    raw: str  # the input row as received, kept for the quarantine
    values: dict[str, Any] | None = None  # the raw table's data columns, typed
    reason: str | None = None  # why the row can't be loaded (then values is None)

    @classmethod
    def bad(cls, line: int, raw: str, reason: str) -> Record:
        return cls(line=line, raw=raw, reason=reason)


@dataclass(frozen=True, slots=True)
class TextRecord:
    """An input row as text, for feeds validated in the warehouse: fields split but not yet cast."""

    line: int
    raw: str
    fields: tuple[str, ...] | None = None  # in the feed's text_columns order; None for NDJSON or a bad row
    problem: str | None = None  # the reader could not split the row; this is its quarantine reason


class RowError(ValueError):
    """A row-level problem whose message is the quarantine reason a person reads."""


class FileRejected(ValueError):
    """The whole file can't be read as this feed (every row of it is quarantined with this reason)."""
