"""Stream a CSV file as rows that keep their line number and raw text, whatever the file's quirks.

Handles a UTF-8 byte-order mark, CRLF or LF line ends, quoted fields spanning lines, and blank lines
(which are not rows). The header is matched by name, so a column order change is fine; a missing column
rejects the file with a reason naming it.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from ingestion.records import FileRejected, Record, RowError


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int
    raw: str
    fields: tuple[str, ...] | None  # the required columns, in their order; None when the row can't be split
    problem: str | None = None


class _LineTracker:
    """Feeds csv.reader one physical line at a time and remembers what the current row consumed."""

    def __init__(self, path: Path) -> None:
        self._fh = path.open("rb")
        self.line_no = 0
        self.consumed: list[str] = []
        self.bad_utf8 = False

    def __iter__(self) -> Iterator[str]:
        consumed = self.consumed
        for raw in self._fh:
            self.line_no += 1
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                line = raw.decode("utf-8", errors="replace")
                self.bad_utf8 = True
            consumed.append(line)
            yield line

    def take(self) -> tuple[str, bool]:
        consumed = self.consumed
        raw = (consumed[0] if len(consumed) == 1 else "".join(consumed)).rstrip("\r\n")
        consumed.clear()
        bad, self.bad_utf8 = self.bad_utf8, False
        return raw, bad

    def close(self) -> None:
        self._fh.close()


def read_csv(path: Path, required_columns: list[str]) -> Iterator[CsvRow]:
    """Yield the data rows of `path`. Raises FileRejected (before any row) on a bad header."""
    tracker = _LineTracker(path)
    try:
        reader = csv.reader(tracker, strict=False)
        pick: Callable[[list[str]], tuple[str, ...]] | None = None
        width = 0
        row_start = 1
        for fields in reader:
            raw, bad_utf8 = tracker.take()
            start, row_start = row_start, tracker.line_no + 1
            if not any(fields):
                continue  # a blank line is not a row
            if pick is None:
                header = [f.strip().lower().removeprefix("\ufeff") for f in fields]
                missing = [c for c in required_columns if c not in header]
                if missing:
                    raise FileRejected(
                        f"header lacks column(s) {', '.join(missing)}; expected {', '.join(required_columns)}"
                    )
                getter = itemgetter(*(header.index(c) for c in required_columns))
                pick = getter if len(required_columns) > 1 else lambda row, g=getter: (g(row),)
                width = len(header)
                continue
            if bad_utf8:
                yield CsvRow(start, raw, None, "row is not valid UTF-8 text")
            elif len(fields) != width:
                yield CsvRow(
                    start,
                    raw,
                    None,
                    f"row has {len(fields)} fields but the header has {width} (truncated line or stray delimiter)",
                )
            else:
                yield CsvRow(start, raw, pick(fields))
    except csv.Error as exc:
        raise FileRejected(f"not readable as CSV near line {tracker.line_no}: {exc}") from None
    finally:
        tracker.close()


def csv_records(
    path: Path, required_columns: list[str], parse_row: Callable[[dict[str, str]], dict[str, Any]]
) -> Iterator[Record]:
    """Rows of a small CSV feed as Records, each parsed in Python by `parse_row(fields)` (raising RowError)."""
    for row in read_csv(path, required_columns):
        if row.fields is None:
            yield Record.bad(row.line, row.raw, row.problem or "unreadable row")
            continue
        try:
            yield Record(
                row.line, row.raw, values=parse_row(dict(zip(required_columns, row.fields, strict=True)))
            )
        except RowError as exc:
            yield Record.bad(row.line, row.raw, str(exc))
