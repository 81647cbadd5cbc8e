"""Stream a CSV file as rows that keep their line number and raw text, whatever the file's quirks.

Handles a UTF-8 byte-order mark, CRLF or LF line ends, quoted fields spanning lines, and blank lines
(which are not rows). The header is matched by name, so a column order change is fine; a missing column
rejects the file with a reason naming it.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingestion.records import FileRejected, Record, RowError


@dataclass(frozen=True)
class CsvRow:
    line: int
    raw: str
    fields: dict[str, str] | None  # None when the row can't be split against the header
    problem: str | None = None


class _LineTracker:
    """Feeds csv.reader one physical line at a time and remembers what the current row consumed."""

    def __init__(self, path: Path) -> None:
        self._fh = path.open("rb")
        self.line_no = 0
        self.consumed: list[str] = []
        self.bad_utf8 = False

    def __iter__(self) -> Iterator[str]:
        for raw in self._fh:
            self.line_no += 1
            if self.line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                line = raw.decode("utf-8", errors="replace")
                self.bad_utf8 = True
            self.consumed.append(line)
            yield line

    def take(self) -> tuple[str, bool]:
        raw = "".join(self.consumed).rstrip("\r\n")
        bad, self.consumed, self.bad_utf8 = self.bad_utf8, [], False
        return raw, bad

    def close(self) -> None:
        self._fh.close()


def read_csv(path: Path, required_columns: list[str]) -> Iterator[CsvRow]:
    """Yield the data rows of `path`. Raises FileRejected (after nothing was yielded) on a bad header."""
    tracker = _LineTracker(path)
    try:
        reader = csv.reader(tracker, strict=False)
        header: list[str] | None = None
        row_start = 1
        for fields in reader:
            raw, bad_utf8 = tracker.take()
            start, row_start = row_start, tracker.line_no + 1
            if not fields or all(not f.strip() for f in fields):
                continue  # a blank line is not a row
            if header is None:
                header = [f.strip().lower() for f in fields]
                missing = [c for c in required_columns if c not in header]
                if missing:
                    raise FileRejected(
                        f"header lacks column(s) {', '.join(missing)}; expected {', '.join(required_columns)}"
                    )
                continue
            if bad_utf8:
                yield CsvRow(start, raw, None, "row is not valid UTF-8 text")
            elif len(fields) != len(header):
                yield CsvRow(
                    start,
                    raw,
                    None,
                    f"row has {len(fields)} fields but the header has {len(header)} "
                    "(truncated line or stray delimiter)",
                )
            else:
                yield CsvRow(start, raw, dict(zip(header, fields, strict=True)))
    except csv.Error as exc:
        raise FileRejected(f"not readable as CSV near line {tracker.line_no}: {exc}") from None
    finally:
        tracker.close()


def csv_records(
    path: Path, required_columns: list[str], parse_row: Callable[[dict[str, str]], dict[str, Any]]
) -> Iterator[Record]:
    """Rows of a CSV feed as Records, each parsed by `parse_row(fields) -> values` (raising RowError)."""
    for row in read_csv(path, required_columns):
        if row.fields is None:
            yield Record.bad(row.line, row.raw, row.problem or "unreadable row")
            continue
        try:
            yield Record(row.line, row.raw, values=parse_row(row.fields))
        except RowError as exc:
            yield Record.bad(row.line, row.raw, str(exc))
