"""A large TPA export is parsed in worker processes, in spans of lines (ingestion/feeds/claims_tpa/reader.py):
the rows, their quarantine reasons, line numbers and byte offsets are the same as parsed in the loading
process, whatever the file's quirks (a byte-order mark, blank lines before the header and between rows, CRLF,
a row with too few fields, one not UTF-8, NDJSON with a broken line)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

from benchmarks.claims_load import write_files
from ingestion.feeds import LoadContext
from ingestion.feeds.claims_tpa.reader import ClaimsTpaReader
from ingestion.feeds.claims_tpa.spec import EVENTS
from ingestion.records import RecordBlock


def rows(reader: ClaimsTpaReader, path: Path) -> list[dict]:
    out: list[dict] = []
    for item in reader.records(path, EVENTS, LoadContext("tnt_pool")):
        assert isinstance(item, RecordBlock)
        out += pa.ipc.open_stream(item.arrow).read_all().to_pylist()
    return out


def quirky_files(folder: Path) -> list[Path]:
    write_files(folder / "gen", 400, 400)
    lines = (folder / "gen" / "claim_status_0000.csv").read_bytes().splitlines()
    header, body = lines[0], lines[1:]
    body[10] = b"EV9,REF,CLM9,Claim,Settled"  # too few fields
    body[1] = body[1].replace(b"Star Health", b"Star \xff Health")  # not UTF-8
    body.insert(30, b"")  # a blank line between rows
    csv = folder / "claims.csv"
    csv.write_bytes(b"\xef\xbb\xbf\r\n \r\n" + header + b"\r\n" + b"\r\n".join(body) + b"\r\n")
    names = [h.decode() for h in header.split(b",")]
    objects = []
    for line in body[:200]:
        if line and b"\xff" not in line and b'"' not in line and len(line.split(b",")) == len(names):
            objects.append(json.dumps(dict(zip(names, line.decode().split(","), strict=True))))
    objects.insert(5, '{"Event Id": "broken"')
    ndjson = folder / "claims.ndjson"
    ndjson.write_text("\n".join(objects) + "\n\n", encoding="utf-8")
    return [csv, ndjson]


def test_spans_parsed_in_workers_give_the_rows_of_one_process(tmp_path: Path) -> None:
    folder = tmp_path / "claims" / "tpa" / "example_tpa"
    for path in quirky_files(folder):
        one = rows(ClaimsTpaReader(workers=1), path)
        pooled = rows(ClaimsTpaReader(workers=2, pool_from=1, chunk_bytes=3000), path)

        assert len(one) > 150 and pooled == one, path.name
        reasons = [r["_reason"] for r in one if r["_reason"]]
        assert len({r["_source_line"] for r in one}) == len(one)
        if path.suffix == ".csv":
            assert len(reasons) == 3  # the short row, the one not UTF-8, the bench's bad amount ('12k')
            assert one[0]["_source_line"] == 4 and one[0]["_byte_offset"] == path.read_bytes().index(b"EV0")
        else:
            assert len(reasons) == 2 and "line is not JSON: Expecting ',' delimiter" in reasons[0]
