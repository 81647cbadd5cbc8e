"""The adt_hl7 reader's two tokenizations give the same rows: the plain split (`str.split` on the message's
separators, for messages with nothing to unescape) against python-hl7's parse tree, the oracle, on the
third-party corpus and on generated messages; and a large file parsed in worker processes loads exactly
what the same file parsed in the loading process loads."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.settings import warehouse_settings
from core.warehouse import Warehouse, open_warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.adt_hl7 import FEED as HL7_FEED
from ingestion.feeds.adt_hl7.reader import (
    READ_FIELDS,
    AdtHl7Reader,
    _plain_fields,
    message_records,
    split_messages,
)
from ingestion.feeds.base import Feed
from ingestion.loader import load_file
from ingestion.records import Record
from ingestion.tables import create_raw_tables
from tests.support.paths import CORPORA

READ = {f"{name}|" for name in READ_FIELDS}  # the segments the reader tokenizes (field separator |)


def both_ways(data: bytes) -> tuple[list[Record], list[Record], int]:
    """(rows with the plain split where it applies, rows with python-hl7 for every message, messages)."""
    plain, oracle, messages = [], [], 0
    for item in split_messages(data):
        if isinstance(item, list):
            messages += 1
            plain += message_records(item, data, "t1")
            oracle += message_records(item, data, "t1", plain=False)
    return plain, oracle, messages


def took_plain(data: bytes) -> int:
    """How many messages the plain split reads (the others fall back to python-hl7)."""
    count = 0
    for item in split_messages(data):
        if isinstance(item, list):
            texts = [data[s.start : s.end].decode("latin-1") for s in item]
            wanted = [(s, t) for s, t in zip(item, texts, strict=True) if t[:4] in READ or s is item[0]]
            count += _plain_fields(wanted, texts[0]) is not None
    return count


@pytest.mark.skipif(
    not sorted((CORPORA / "hl7v2").glob("*.hl7")), reason=f"the HL7 v2 corpus is not at {CORPORA / 'hl7v2'}"
)
def test_the_corpus_reads_the_same_both_ways() -> None:
    files = sorted((CORPORA / "hl7v2").glob("*.hl7"))
    plain_messages = 0
    for path in files:
        data = path.read_bytes()
        plain, oracle, messages = both_ways(data)
        assert messages and plain == oracle, path.name
        plain_messages += took_plain(data)
    assert plain_messages >= len(files) // 2  # the comparison is not vacuous: most take the plain split


# --- generated messages -----------------------------------------------------------------------------------
#
# One generator, driven either by Hypothesis (the equality test) or by a seeded random.Random (the check that
# the generated messages reach both tokenizations and both outcomes). `pick(good, bad)` takes a good value four
# times in five, so most messages load and the rest are quarantined for one reason; `text()` is a field value
# over the characters that matter: separators of either set, the escape, blanks, digits.

ALPHABET = "AB19 ^~&#*!@\\-./"
STAMPS = (
    ["20261005103000+0530", "202610051030", "2026", "20261005103000.5-0400", " 20261005 ", ""],
    ["2026133", "29991231", "20261305"],
)
Pick = Callable[[list[str], list[str]], str]


def make_message(pick: Pick, text: Callable[[], str]) -> str:
    seps = pick(["|^~\\&", "#!@*%", "|^~\\&#"], ["|^~\\", "|^^\\&", "|^~\\&|"])
    f, c = seps[0], seps[1]
    event = pick(["A01", "A03", "A08", "A17", "A40", "a02", "A31"], ["A14", ""])
    fields = [
        pick(["HIS", f"H{c}X"], [""]),
        pick(["CITY", f"{c}1.2.3{c}ISO"], [""]),
        "R",
        "R",
        pick(*STAMPS),
        "",
        pick([f"ADT{c}{event}{c}ADT_A01"], [f"ORU{c}R01", "ADT", ""]),
        pick(["C1", f"C{c}2", " C3 "], [""]),
        "P",
        pick(["2.5", "2.3.1", "2.8.2"], ["2.9", ""]),
        *([""] * 5),
        pick(["", "UNICODE UTF-8", "8859/1"], ["KLINGON"]),
    ]
    segments = ["MSH" + seps + f + f.join(fields)]
    segments.append(f.join(["EVN", pick([event], [""]), pick(*STAMPS), "", "", "", pick(*STAMPS)]))
    for _ in range(int(pick(["1", "2"], ["0", "3"]))):
        segments.append(f.join(["PID", "1", "", text(), "", text(), "", pick(*STAMPS), text()]))
        if pick(["yes"], ["no"]) == "yes":
            pv1 = [text() if n in (2, 3, 6, 7, 10, 19, 36) else "" for n in range(1, 44)]
            segments.append(f.join(["PV1", *pv1, pick(*STAMPS), pick(*STAMPS)]))
        if pick(["no"], ["yes"]) == "yes":
            segments.append(f.join(["MRG", text()]))
    segments.append(pick(["ZPI|1|x"], ["PIDX|1||9", "NK1|1|A^B"]))
    return "\r".join(segments)


@st.composite
def hl7_message(draw: st.DrawFn) -> str:
    def pick(good: list[str], bad: list[str]) -> str:
        return draw(st.one_of(*([st.sampled_from(good)] * 4), st.sampled_from(bad)))

    return make_message(pick, lambda: draw(st.text(alphabet=ALPHABET, max_size=12)))


def seeded_messages(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)

    def pick(good: list[str], bad: list[str]) -> str:
        return rng.choice(good) if rng.random() < 0.8 else rng.choice(bad)

    def text() -> str:
        return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(13)))

    return [make_message(pick, text) for _ in range(count)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hl7_message(), min_size=1, max_size=4), st.sampled_from(["\r", "\n", "\r\n"]))
def test_generated_messages_read_the_same_both_ways(messages: list[str], end: str) -> None:
    data = end.join(m.replace("\r", end) for m in messages).encode("utf-8")
    plain, oracle, _ = both_ways(data)
    assert plain == oracle


def test_seeded_messages_read_the_same_both_ways_and_reach_both_paths_and_outcomes() -> None:
    rows = bad = plain = 0
    for data in (m.encode() for m in seeded_messages(11, 600)):
        records, oracle, _ = both_ways(data)
        assert records == oracle
        rows += sum(r.values is not None for r in records)
        bad += sum(r.values is None for r in records)
        plain += took_plain(data)
    assert rows > 15 and bad > 100 and plain > 100  # not all refused, not all sent to python-hl7


# --- worker processes -------------------------------------------------------------------------------------


def adt_messages(count: int) -> list[str]:
    """`count` messages, some of them bad, some with escapes."""
    messages = []
    for n in range(count):
        name = "O\\S\\Brien^Pat" if n % 7 == 0 else "Sharma^Asha"
        time = "2026133" if n % 50 == 0 else f"202610051{n % 10}3000+0530"
        messages.append(
            f"MSH|^~\\&|HIS|CITY|MM|MM|{time}||ADT^A0{1 + n % 3}^ADT_A01|C{n}|P|2.5\r"
            f"EVN|A01|20261005103000\r"
            f"PID|1||MRN{n}^^^CITY^MR~91-{n:04d}^^^ABHA^ABHA||{name}||19800101|F\r"
            f"PV1|1|I|W1^{n}^A^CITY||||D{n % 9}^Rao|||MED|||||||||V{n}\rZPI|{n}"
        )
    return messages


def adt_file(path: Path, count: int, shape: str = "batch") -> Path:
    """A file of `count` messages (`adt_messages`): a batch with envelope segments; LF-ended with blank and
    white-space lines and a segment before the first MSH; or MLLP-framed with a byte-order mark, bytes outside
    frames, segments before a frame's MSH, a frame without one and an unclosed last frame."""
    messages = adt_messages(count)
    if shape == "batch":
        body = "FHS|^~\\&|HIS\rBHS|^~\\&|HIS\r" + "\r".join(messages[: count // 2]) + "\rBTS|1\r"
        body += "BHS|^~\\&|HIS\r" + "\r".join(messages[count // 2 :]) + "\rBTS|1\rFTS|2\r"
    elif shape == "lf":
        body = "".join(
            ("NTE|lost\n \t\n" if n % 13 == 0 else "")
            + m.replace("\r", "\n")
            + ("\n\n" if n % 5 == 0 else "\n")
            for n, m in enumerate(messages)
        )
    else:
        frames = [
            ("junk" if n % 17 == 0 else "") + "\x0b" + ("ZZZ|x\r" if n % 19 == 0 else "") + m + "\r\x1c\r"
            for n, m in enumerate(messages)
        ]
        body = "\ufeff" + "".join(frames) + "\x0bZZZ|no MSH\r\x1c\r\x0bMSH|^~\\&|HIS|unclosed"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body.encode())
    return path


def loaded(warehouse: Warehouse) -> tuple[list[tuple], list[tuple]]:
    raw = warehouse.rows(
        "select * except (_batch_id, _loaded_at) from raw.adt_hl7_events order by _source_line"
    )
    quarantine = warehouse.rows(
        "select _source_line, reason, raw_line, byte_offset, byte_length from raw.quarantine order by _source_line"
    )
    return raw, quarantine


@pytest.mark.parametrize("shape", ["batch", "lf", "mllp"])
def test_a_file_parsed_in_worker_processes_loads_what_one_process_loads(tmp_path: Path, shape: str) -> None:
    """In chunks of about 97 messages: each worker cuts its chunk into segments and counts its lines from
    the chunk's start, and the loading process moves them to the file's count."""
    path = adt_file(tmp_path / "data" / "adt" / "big.hl7", 1200, shape)
    results = []
    pooled = AdtHl7Reader(2, pool_from=1, chunk_messages=97)
    for name, reader in (("one", AdtHl7Reader(workers=1)), ("pool", pooled)):
        feed = Feed(HL7_FEED.spec, reader)
        with open_warehouse(warehouse_settings(f"chdb://{tmp_path / name}")) as w:
            create_raw_tables(w)
            result = load_file(w, feed, path, LoadContext("t1"), source="big.hl7")
            results.append(
                (result.rows_read, result.rows_loaded, result.rows_quarantined, result.note, loaded(w))
            )
    one, pool = results
    if shape == "batch":
        assert one[:3] == (1200, 1176, 24)  # every 50th message has a bad MSH-7
    else:  # and the segments before an MSH, the bytes outside frames, the unclosed frame
        assert one[1] == 1176 and one[2] > 24
    assert pool == one
