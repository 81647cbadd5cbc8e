"""Stream a small CSV file (a Python-parsed feed) as rows that keep their line number, byte position and
raw text, whatever the file's quirks.

Each physical line is one row: a UTF-8 byte-order mark, CRLF or LF line ends and blank lines (which are
not rows) are handled; a row that can't be split (bad quoting, a stray CR, the wrong number of fields,
not UTF-8) is one quarantined row and never affects the rows around it. The header is matched by name,
so a column order change is fine; a missing column rejects the file with a reason naming it. The engine
feeds read CSV the same way, in SQL (ingestion/engine_sql.py).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingestion.engine_sql import require_columns
from ingestion.records import Record, RowError


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int
    raw: str
    offset: int  # byte offset of the line in the file
    length: int  # its length in bytes, without the line end
    fields: tuple[str, ...] | None  # the required columns, in their order; None when the row can't be split
    problem: str | None = None


def split_line(text: str) -> tuple[list[str] | None, str | None]:
    """One CSV line as its fields, or None and why it can't be split."""
    if "\r" in text:
        return None, "row has a carriage return (CR) inside it; a row must be on one line"
    try:
        return next(csv.reader([text], strict=True)), None
    except csv.Error:
        return (
            None,
            "row has a stray or unterminated double quote (a quoted field must close on its own line)",
        )


@dataclass(frozen=True, slots=True)
class Span:
    """A part of a file that a worker process reads: from byte `start` (where a line starts) to byte `end`,
    its first line being line number `line` of the file."""

    start: int
    end: int
    line: int


def physical_lines(path: Path, span: Span | None = None) -> Iterator[tuple[int, int, bytes]]:
    """Each physical line of a text file (of `span` of it): its number (from 1), byte offset and bytes
    without the line end (LF or CRLF; a UTF-8 byte-order mark removed from the first)."""
    offset, first = (span.start, span.line) if span else (0, 1)
    with path.open("rb") as fh:
        fh.seek(offset)
        for number, raw_bytes in enumerate(fh, start=first):
            if span is not None and offset >= span.end:
                return
            start, offset = offset, offset + len(raw_bytes)
            body = raw_bytes.rstrip(b"\n").removesuffix(b"\r")
            yield number, start, body.removeprefix(b"\xef\xbb\xbf") if number == 1 else body


def line_spans(path: Path, size: int, *, header: bool) -> list[Span]:
    """The file cut at line ends into spans of about `size` bytes (after its header line when `header`:
    the first non-blank one, which every span's reader reads for itself)."""
    data = path.read_bytes()
    start = 0
    if header:
        while start < len(data):
            end = data.find(b"\n", start)
            end = len(data) if end < 0 else end + 1
            text = data[start:end].decode("utf-8", errors="replace")
            blank = not (text.removeprefix("\ufeff") if start == 0 else text).strip()  # as read_csv sees it
            start = end
            if not blank:
                break
    spans: list[Span] = []
    line = 1 + data.count(b"\n", 0, start)
    while start < len(data):
        cut = data.find(b"\n", start + size)
        end = len(data) if cut < 0 else cut + 1
        spans.append(Span(start, end, line))
        line += data.count(b"\n", start, end)
        start = end
    return spans


def read_csv_header(path: Path) -> Iterator[list[str]]:
    """The header's fields, trimmed and lower case (the first non-blank line), or nothing."""
    for _, _, body in physical_lines(path):
        shown = body.decode("utf-8", errors="replace")
        if shown.strip():
            yield [f.strip().lower() for f in (split_line(shown)[0] or shown.split(","))]
            return


def read_csv(path: Path, required_columns: list[str], span: Span | None = None) -> Iterator[CsvRow]:
    """Yield the data rows of `path` (of `span` of it: rows after the header). Raises FileRejected (before
    any row) on a bad header."""
    picks: list[int] | None = None
    width = 0
    if span is not None:  # the header, then the span's rows
        header = next(read_csv_header(path), None)
        if header is not None:
            require_columns(header, required_columns)
            picks, width = [header.index(c) for c in required_columns], len(header)
    for number, start, body in physical_lines(path, span):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        shown = text if text is not None else body.decode("utf-8", errors="replace")
        if not shown.strip():
            continue  # a blank line is not a row
        if picks is None:
            header = [f.strip().lower() for f in (split_line(shown)[0] or shown.split(","))]
            require_columns(header, required_columns)
            picks, width = [header.index(c) for c in required_columns], len(header)
            continue
        fields, problem = split_line(text) if text is not None else (None, "row is not valid UTF-8 text")
        if fields is not None and len(fields) != width:
            fields, problem = (
                None,
                (
                    f"row has {len(fields)} fields but the header has {width} (truncated line or stray delimiter)"
                ),
            )
        if fields is not None and not any(f.strip() for f in fields):
            fields, problem = None, "row has no values, only delimiters"
        picked = tuple(fields[i] for i in picks) if fields is not None else None
        yield CsvRow(number, shown, start, len(body), picked, problem)


def csv_records(
    path: Path, required_columns: list[str], parse_row: Callable[[dict[str, str]], dict[str, Any]]
) -> Iterator[Record]:
    """Rows of a small CSV feed as Records, each parsed in Python by `parse_row(fields)` (raising RowError)."""
    for row in read_csv(path, required_columns):
        where = {"offset": row.offset, "length": row.length}
        if row.fields is None:
            yield Record(row.line, row.raw, reason=row.problem or "unreadable row", **where)
            continue
        try:
            values = parse_row(dict(zip(required_columns, row.fields, strict=True)))
        except RowError as exc:
            yield Record(row.line, row.raw, reason=str(exc), **where)
        else:
            yield Record(row.line, row.raw, values=values, **where)
