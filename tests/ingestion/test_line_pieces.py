"""A file of lines reaches the warehouse in pieces of whole lines (one insert, one block each, so the engine
reads them on every thread): whatever the piece size, every line keeps its number, byte offset, length and
text, as this test reads them from the file's bytes itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.warehouse import Warehouse
from ingestion import engine_sql
from ingestion.engine_sql import BLOB_COLUMNS, BLOB_NAMES, line_pieces, lines_sql
from ingestion.feeds import LoadContext
from ingestion.feeds.whatsapp_statuses import FEED
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables

CONTENT = (
    b"\xef\xbb\xbffirst,line\r\n"
    b"\r\n"
    b"   \n"
    b"  indented \n"
    b"\t\n"
    b"caf\xc3\xa9 \xe2\x82\xb9\r\n"
    b"bad \xff byte\n" + b"x" * 300 + b"\r\r\n\n\n"
    b"\xef\xbb\xbfnot the first line\n"
    b"last, no newline\r"
)


def expected(content: bytes) -> list[tuple[int, str, int, int, str]]:
    """(line, text, byte offset, byte length, problem) of every non-blank line, read here from the bytes."""
    rows, offset = [], 0
    for number, raw in enumerate(content.split(b"\n"), start=1):
        text = raw.removeprefix(b"\xef\xbb\xbf") if number == 1 else raw
        text = text.removesuffix(b"\r")
        if text.strip(b" "):
            try:
                text.decode("utf-8")
                problem = ""
            except UnicodeDecodeError:
                problem = "line is not valid UTF-8 text"
            rows.append((number, text.decode("utf-8", errors="surrogateescape"), offset, len(raw), problem))
        offset += len(raw) + 1
    return rows


@pytest.mark.parametrize("size", [1, 5, 64, 1 << 20])
def test_every_piece_size_gives_the_same_lines(warehouse: Warehouse, tmp_path: Path, size: int) -> None:
    create_raw_tables(warehouse)
    path = tmp_path / "lines.txt"
    path.write_bytes(CONTENT)
    pieces = list(line_pieces(path, size))
    assert (len(pieces) > 1) == (size < len(CONTENT))
    blob = f"`{warehouse.db('raw')}`.`test_pieces_{size}`"
    warehouse.command(f"drop table if exists {blob}")
    warehouse.command(f"create table {blob} ({BLOB_COLUMNS}) engine = Memory")
    for piece in pieces:
        warehouse.client.raw_insert(blob, BLOB_NAMES, piece, fmt="RowBinary")
    got = warehouse.client.query(
        f"select _source_line, _raw_line, _byte_offset, _byte_length, _line_problem from {lines_sql(blob)} "
        "order by _source_line",
        column_formats={"_raw_line": "bytes"},
    ).result_rows
    warehouse.command(f"drop table {blob}")
    decoded = [(n, t.decode("utf-8", errors="surrogateescape"), o, b, p) for n, t, o, b, p in got]
    assert decoded == expected(CONTENT)


def test_a_file_loaded_in_small_pieces_keeps_every_status_and_its_line(
    warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pieces of a few lines each: every status loads once, on the line of its payload."""
    create_raw_tables(warehouse)
    monkeypatch.setattr(engine_sql, "PIECE_BYTES", 700)
    lines = []
    for n in range(40):
        status = {"id": f"wamid.PIECE{n:04d}", "status": "sent", "timestamp": str(1790830000 + n),
                  "recipient_id": f"91980000{n:04d}"}  # fmt: skip
        value = {"metadata": {"phone_number_id": "106"}, "statuses": [status]}
        payload = {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"value": value}]}],
        }
        lines.append(json.dumps(payload) + ("\r" if n % 3 == 0 else ""))
        if n % 7 == 0:
            lines.append("")
    path = tmp_path / "pieces.ndjson"
    path.write_text("\n".join(lines) + "\n")
    assert len(list(line_pieces(path))) > 10
    result = load_file(warehouse, FEED, path, LoadContext("tnt_pieces"), source="pieces.ndjson")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (40, 40, 0)
    got = warehouse.rows(
        "select provider_message_id, _source_line from raw.whatsapp_message_statuses "
        "where _source_file = 'pieces.ndjson' order by _source_line"
    )
    want = [
        (json.loads(text)["entry"][0]["changes"][0]["value"]["statuses"][0]["id"], number)
        for number, text in enumerate(lines, start=1)
        if text
    ]
    assert got == want
