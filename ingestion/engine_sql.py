"""SQL that lets ClickHouse read a file's bytes: split them into records and CSV fields, keep positions.

The loader sends a file's bytes to the warehouse (`BLOB_COLUMNS`: the same calls for chDB and a server) and
everything after that is SQL. A document goes in one insert; a file of lines goes in pieces of whole lines,
one insert each, so that the table holds one block per piece and the engine splits and checks the pieces on
all its threads (one block would be read by one thread). Python never touches a record of an engine feed:
- `{lines}` (`lines_sql`): one row per non-blank line, with its 1-based line number, its text (a UTF-8
  BOM on line 1 and a trailing CR removed), its byte offset and length in the file, and `_line_problem`
  ('' or why the line can't be read, e.g. not UTF-8);
- `csv_fields_sql`: the lines after a CSV header split into fields by name, with a problem for a row
  whose quoting or field count is wrong, or which holds nothing but delimiters;
- `{document}`: the whole file as one string, for JSON documents.
"""

from __future__ import annotations

import csv
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path

from ingestion.records import FileRejected
from ingestion.sql_checks import lit

# Every field of a CSV line is one match, each preceded by the delimiter (prepended to the line): a quoted
# field ("" escapes a quote) or an unquoted one without quotes. When the matches don't cover the whole
# line, its quoting is broken.
EMPTY = "''"  # SQL for an empty string
CSV_FIELD_RE = r',("(?:[^"]|"")*"|[^,"]*)'


# A piece of the file: its bytes, the number of its first line and its byte offset in the file.
BLOB_COLUMNS = "content String, first_line UInt64 default 1, first_offset UInt64 default 0"
BLOB_NAMES = ["content", "first_line", "first_offset"]
PIECE_BYTES = 4 << 20  # about 9,000 lines of webhook JSON: enough pieces for the threads, few inserts


def line_pieces(path: Path, size: int = 0) -> Iterator[bytes]:
    """The file as RowBinary rows of BLOB_COLUMNS, each about `size` (PIECE_BYTES) bytes of whole lines (a
    line longer than that is one piece)."""
    size = size or PIECE_BYTES
    line, offset = 1, 0
    with path.open("rb") as fh:
        while piece := fh.read(size):
            if not piece.endswith(b"\n"):
                piece += fh.readline()
            yield _varint(len(piece)) + piece + struct.pack("<QQ", line, offset)
            line += piece.count(b"\n")
            offset += len(piece)


def _varint(n: int) -> bytes:
    """RowBinary's length prefix (unsigned LEB128)."""
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def lines_sql(blob: str) -> str:
    return f"""(
  select _source_line, _raw_line, _byte_offset, length(_line) as _byte_length,
    if(isValidUTF8(_raw_line), '', 'line is not valid UTF-8 text') as _line_problem
  from (
    select first_line + n - 1 as _source_line, _line, first_offset + _end - length(_line) - 1 as _byte_offset,
      if(_source_line = 1, replaceRegexpOne(_line, '^\\xEF\\xBB\\xBF', ''), _line) as _no_bom,
      if(endsWith(_no_bom, '\\r'), substring(_no_bom, 1, length(_no_bom) - 1), _no_bom) as _raw_line
    from (
      select first_line, first_offset, splitByChar('\\n', content) as _ls,
        arrayCumSum(arrayMap(x -> length(x) + 1, _ls)) as _ends
      from {blob}
    )
    array join _ls as _line, arrayEnumerate(_ls) as n, _ends as _end
  )
  -- blank lines go; trimmed only when they start with a space (trimBoth copies every line)
  where notEmpty(_raw_line) and (not startsWith(_raw_line, ' ') or trimBoth(_raw_line) != '')
)"""


def document_sql(blob: str) -> str:
    """The whole file as one string (its pieces joined in order)."""
    return (
        "(select arrayStringConcat(arrayMap(p -> p.2, arraySort(groupArray((first_offset, content))))) "
        f"as content from {blob})"
    )


def csv_header(path: Path) -> tuple[int, list[str]]:
    """The header of a CSV file: its line number and lower-cased names. Reads only up to the header."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            text = raw.decode("utf-8", errors="replace").removeprefix("\ufeff").strip()
            if text:
                return number, [name.strip().strip('"').strip().lower() for name in text.split(",")]
    return 0, []


def require_columns(header: list[str], required: Sequence[str]) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise FileRejected(f"header lacks column(s) {', '.join(missing)}; expected {', '.join(required)}")


def _unquoted(expr: str) -> str:
    return f"if(startsWith({expr}, '\"'), replaceAll(substring({expr}, 2, length({expr}) - 2), '\"\"', '\"'), {expr})"


def csv_first_row(path: Path, header_line: int) -> list[str]:
    """The fields of the first non-blank line after the header (to tell formats with one header apart)."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            text = raw.decode("utf-8", errors="replace").strip()
            if number > header_line and text:
                return next(csv.reader([text]), [])
    return []


def csv_fields_sql(
    lines: str, header_line: int, header: list[str], columns: Sequence[str | tuple[str, str]]
) -> str:
    """The data rows of a CSV file: `_source_line, _raw_line, _byte_offset, _byte_length, _problem` and one
    String column per entry of `columns` (unquoted, not yet trimmed): a header name, or (output name,
    header name) where a header name the file lacks gives ''."""
    width = len(header)
    pairs = [(c, c) if isinstance(c, str) else c for c in columns]
    picked = ",\n    ".join(
        f"{_unquoted(f'_f[{header.index(source) + 1}]') if source in header else EMPTY} as `{name}`"
        for name, source in pairs
    )
    return f"""(
  select _source_line, _raw_line, _byte_offset, _byte_length,
    multiIf(
      _line_problem != '', _line_problem,
      _fit != length(_raw_line) + 1,
        'row has a stray or unterminated double quote (a quoted field must close on its own line)',
      length(_f) != {width},
        concat('row has ', toString(length(_f)), {lit(f" fields but the header has {width} (truncated line or stray delimiter)")}),
      arrayAll(x -> trimBoth(x) = '', _f), 'row has no values, only delimiters',
      '') as _problem,
    {picked}
  from (
    select *, extractAll(concat(',', _raw_line), {lit(CSV_FIELD_RE)}) as _f,
      arraySum(arrayMap(x -> length(x) + 1, _f)) as _fit
    from {lines}
    where _source_line > {header_line}
  )
)"""
