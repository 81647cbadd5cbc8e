"""HL7 v2 ADT files: every message becomes one ADT event row (ingestion/adt_event.py) or a quarantined record.

A file is a single message, a batch (FHS/BHS ... BTS/FTS envelopes; their segments are the file's frame,
yielded as `Frame`s) or MLLP-framed messages (`\\x0b` message `\\x1c\\r`, as a listener writes them).
Segments may end in `\\r`, `\\n` or `\\r\\n`; a UTF-8 byte-order mark is skipped.

Messages are cut on bytes (the segment ends and MLLP bytes are ASCII), then each is decoded in its own
MSH-18 character set; bytes that are not valid in that set are read as latin-1, so nothing is lost. The
message is parsed with python-hl7 (fields, repetitions, components, escape sequences), but only the segments
this feed reads (MSH, EVN, PID, PV1, MRG) are handed to the parser: the others, Z-segments included, are kept
whole in `raw` and never fail a message.

Positions: `Record.line` is the number of the message's first segment in the file (segments counted across
the file, frame segments included: the line an editor shows when segments end in `\\n`). It is unique per
row, which the loader needs: an A17 swap names two patients and is stored as two rows, `<MSH-10>#1` and
`<MSH-10>#2`, each at its own PID's line; an A40 that merges several patients likewise, one row per PID
(`#n`), a single merge keeps MSH-10 as it is.

Times: YYYY[MM[DD[HH[MM[SS[.S+]]]]]][+/-ZZZZ]; with an offset converted to UTC, without one read in the
sender's zone (ingestion/adt_senders.py: adt/senders.yaml, IST by default).
"""

from __future__ import annotations

import functools
import json
import re
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal, NamedTuple, Protocol

import hl7
import hl7.util
from hl7.containers import Message, Repetition, Segment

from core.time import IST
from ingestion.adt_senders import DEFAULT, SenderZones, sender_zones
from ingestion.adt_values import FIRST_DATE, FIRST_TIME, LAST_DATE, LAST_TIME
from ingestion.feeds.base import LoadContext
from ingestion.hl7_charsets import CHARSETS, DECLARED, codec_for
from ingestion.record_blocks import lines_at, record_block, shift_lines
from ingestion.records import Frame, Record, RecordBlock, RowError
from ingestion.spec import TableSpec
from ingestion.worker_pool import default_workers, worker_pool

# python-hl7 logs a field's whole value when it meets an escape sequence it does not know: that value may be
# PHI, which never goes to a log. The unknown sequence is still dropped from the value, as the standard says.
# A filter, not `disabled`: logging.config.dictConfig (Dagster, uvicorn) re-enables existing loggers.
hl7.util.logger.addFilter(lambda _record: False)


VERSIONS = ("2.3", "2.4", "2.5", "2.6", "2.7", "2.8")  # and their point releases (2.3.1, 2.5.1, 2.8.2)
EVENTS = (*(f"A{n:02d}" for n in range(1, 14)), "A17", "A28", "A31", "A40", "A60")
NEEDS_VISIT = frozenset((*(f"A{n:02d}" for n in range(1, 14)), "A17"))  # their structures require PV1
# The fields read, per segment. Only these go to the parser, each segment compacted to them in this order
# (python-hl7 builds an object per field, repetition and component: parsing all of a PV1 is most of the
# time a message takes). Every segment and field is still in `raw`.
READ_FIELDS: dict[str, tuple[int, ...]] = {
    "MSH": (3, 4, 7, 9, 10, 12),
    "EVN": (1, 2, 6),
    "PID": (3, 5, 7, 8),
    "PV1": (2, 3, 6, 7, 10, 19, 36, 44, 45),
    "MRG": (1,),
}
PARSED = frozenset(name.encode() for name in READ_FIELDS)
# Where field n of a segment sits in its compacted form (MSH keeps MSH-1 and MSH-2 in front).
_INDEX = {
    name: {n: i + (3 if name == "MSH" else 1) for i, n in enumerate(fields)}
    for name, fields in READ_FIELDS.items()
}
_LAST = {name: max(fields) for name, fields in READ_FIELDS.items()}
ENVELOPE = {b"FHS": "file header FHS", b"BHS": "batch header BHS", b"BTS": "batch trailer BTS",
            b"FTS": "file trailer FTS"}  # fmt: skip
BOM = b"\xef\xbb\xbf"
MLLP_START, MLLP_END = b"\x0b", b"\x1c"
# Parsing in worker processes (`_pooled`): at most this many, for a file of at least this many messages,
# in chunks of about this many consecutive messages.
POOL_FROM_MESSAGES = 4000
CHUNK_MESSAGES = 2500


_TIMESTAMP = re.compile(
    r"(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,4}))?)?)?)?)?)?(?:([+-])(\d{2})(\d{2}))?"
)
_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False), one encoder
_LF_AS_CR = bytes.maketrans(b"\n", b"\r")
_BLANKS = b" \t\x0b\x0c"  # what bytes.strip() strips, but the segment ends
# Codecs in which a message decodes as its segments do, one by one: each byte (or UTF-8 sequence) is read on
# its own, so the segments joined with \r decode without error exactly when each of them does.
_SEGMENTWISE = frozenset(
    c for c in CHARSETS.values() if c in ("utf-8", "ascii", "latin-1") or c.startswith("iso8859-")
)


class AdtHl7Reader:
    """`workers`: processes a large file's messages are parsed in (default: one per CPU, at most MAX_WORKERS
    of ingestion/worker_pool.py; 1 parses in the loading process), in chunks of about `chunk_messages`. A
    file of fewer than `pool_from` messages is always parsed in the loading process: starting the pool costs
    more than it saves."""

    kind: Literal["python"] = "python"

    def __init__(
        self,
        workers: int | None = None,
        pool_from: int = POOL_FROM_MESSAGES,
        chunk_messages: int = CHUNK_MESSAGES,
    ) -> None:
        self.workers = workers if workers is not None else default_workers()
        self.pool_from = pool_from
        self.chunk_messages = chunk_messages

    def unit(self, path: Path) -> str:
        return "document"

    def records(
        self, path: Path, table: TableSpec, context: LoadContext
    ) -> Iterator[Record | Frame | RecordBlock]:
        zones = sender_zones(path)
        data = path.read_bytes()
        messages = _about_how_many_messages(data)
        if self.workers >= 2 and messages >= self.pool_from:
            chunks = max(1, messages // self.chunk_messages)
            yield from _pooled(data, chunks, table, context.tenant_id, self.workers, zones, self.rows)
            return
        for item in split_messages(data):
            if isinstance(item, Frame | Record):
                yield item
            else:
                yield from message_records(item, data, context.tenant_id, zones, self.rows)

    @property
    def rows(self) -> Callable[..., Iterator[tuple[int, dict[str, Any]]]]:
        """What makes a message's rows (`_rows`); another HL7 feed's reader gives its own (billing_hl7:
        DFT^P03). A module-level function, so that worker processes receive it by name."""
        return _rows


# --- parsing in worker processes -------------------------------------------------------------------------
#
# A large file is cut into chunks of consecutive messages where `split_messages` starts afresh (`_cuts`: only
# `bytes.find`, no segment is looked at), and each worker cuts its chunk into segments and messages itself
# and parses them with `message_records` (the same code as in-process). It returns the rows as one Arrow
# block in the loader's staging columns, which the loader inserts as is, with the chunk's envelope frames and
# how many segments (lines) it holds: lines are counted from the chunk's start, and the loading process,
# which gets the chunks back in file order, moves them to the file's count. Bad records (segments before any
# MSH, bytes outside MLLP frames) are rows of the block, as in-process they are records.


def _about_how_many_messages(data: bytes) -> int:
    """How many times "MSH" is in the file: near enough to choose where and in how many chunks to parse (one
    scan: each scan of a 10,000-message file costs ~0.5 us a message)."""
    return data.count(b"MSH")


def _cuts(data: bytes, chunks: int) -> list[int]:
    """Byte positions cutting the file into about `chunks` pieces of similar size, each at a place where
    `split_messages` holds nothing (no message, no segments before an MSH) and so starts afresh: an MSH
    segment (a file without MLLP frames), or an MLLP frame whose content starts with MSH (found by walking
    the frames as `split_messages` does: a \\x0b inside a frame does not start one)."""
    size = len(data)
    targets = [size * k // chunks for k in range(1, chunks)]
    cuts: list[int] = []
    if MLLP_START not in data:
        for target in targets:
            found = [i + 1 for end in (b"\r", b"\n") if (i := data.find(end + b"MSH", target)) >= 0]
            if found and min(found) > (cuts[-1] if cuts else 0):
                cuts.append(min(found))
        return cuts
    pos, wanted = 0, iter(targets)
    target = next(wanted, None)
    while target is not None and (begin := data.find(MLLP_START, pos)) >= 0:
        if begin >= target and begin > 0:
            inner = begin + 1 + (len(BOM) if data.startswith(BOM, begin + 1) else 0)
            if data.startswith(b"MSH", inner):
                cuts.append(begin)
                while target is not None and target <= begin:
                    target = next(wanted, None)
        end = data.find(MLLP_END, begin + 1)
        if end < 0:
            break
        pos = end + 1
    return cuts


def _pooled(
    data: bytes,
    chunks: int,
    table: TableSpec,
    tenant_id: str,
    workers: int,
    zones: SenderZones,
    rows_of: Callable[..., Iterator[Any]],
) -> Iterator[Record | Frame | RecordBlock]:
    pool = worker_pool(workers)
    mllp = MLLP_START in data
    bounds = [0, *_cuts(data, chunks), len(data)]
    window: deque[Future[tuple[RecordBlock, int, list[Frame], int]]] = deque()
    lines = 0

    def drain(keep: int) -> Iterator[Record | Frame | RecordBlock]:
        nonlocal lines
        while len(window) > keep:
            block, at, frames, count = window.popleft().result()
            for frame in frames:
                yield Frame(frame.line + lines, frame.part)
            if block.rows:
                yield shift_lines(block, lines, at)
            lines += count

    for start, end in pairwise(bounds):
        window.append(
            pool.submit(_parse_chunk, data[start:end], start, mllp, table, tenant_id, zones, rows_of)
        )
        yield from drain(2 * workers)
    yield from drain(0)


def _parse_chunk(
    data: bytes,
    base: int,
    mllp: bool,
    table: TableSpec,
    tenant_id: str,
    zones: SenderZones,
    rows_of: Callable[..., Iterator[Any]],
) -> tuple[RecordBlock, int, list[Frame], int]:
    """In a worker: the rows of a chunk of the file (`data`, from byte `base`; lines counted from the
    chunk's start) and where their lines are in the block (`lines_at`), its envelope frames and how many
    lines it holds."""
    records: list[Record] = []
    frames: list[Frame] = []
    items = _split(data, mllp)
    while True:
        try:
            item = next(items)
        except StopIteration as stop:
            lines: int = stop.value
            break
        if isinstance(item, Frame):
            frames.append(item)
        elif isinstance(item, Record):
            records.append(item)
        else:
            records += message_records(item, data, tenant_id, zones, rows_of)
    block = record_block(records, table, offset_base=base)
    return block, lines_at(block) if records else 0, frames, lines


# --- cutting a file into messages -------------------------------------------------------------------------


class _Span(NamedTuple):
    line: int  # number of the segment in the file
    start: int  # byte offsets in the file
    end: int

    def kind(self, data: bytes) -> bytes:
        return data[self.start : self.start + 3]


def split_messages(data: bytes) -> Iterator[list[_Span] | Frame | Record]:
    """The file's messages (each a list of segment spans), its envelope segments as `Frame`s, and a bad
    `Record` for anything that is neither (segments before any MSH, bytes outside MLLP frames)."""
    yield from _split(data, MLLP_START in data)


def _split(data: bytes, mllp: bool) -> Generator[list[_Span] | Frame | Record, None, int]:
    """`split_messages`, of a file or of a chunk of one (`mllp`: the file has MLLP frames); returns the
    number of lines (segments, and bad records outside MLLP frames)."""
    line = 0
    current: list[_Span] = []
    orphans: list[_Span] = []

    def regions() -> Iterator[tuple[int, int] | Record]:
        start = len(BOM) if data.startswith(BOM) else 0
        if not mllp:
            yield start, len(data)
            return
        pos = start
        while pos < len(data):
            begin = data.find(MLLP_START, pos)
            stray_end = len(data) if begin < 0 else begin
            if data[pos:stray_end].strip(b" \t\r\n\x1c"):
                text = data[pos:stray_end].decode("latin-1")
                yield Record.bad(
                    0, text, "bytes outside any MLLP frame (\\x0b ... \\x1c\\r)", pos, stray_end - pos
                )
            if begin < 0:
                return
            end = data.find(MLLP_END, begin + 1)
            if end < 0:
                text = data[begin + 1 :].decode("latin-1")
                yield Record.bad(
                    0, text, "MLLP frame is not closed (no \\x1c after \\x0b)", begin, len(data) - begin
                )
                return
            inner = begin + 1 + (len(BOM) if data.startswith(BOM, begin + 1) else 0)
            yield inner, end
            pos = end + 1

    def orphan_record() -> Record:
        first, last = orphans[0], orphans[-1]
        kinds = sorted({o.kind(data).decode("latin-1") for o in orphans})
        text = "\r".join(data[o.start : o.end].decode("latin-1") for o in orphans)
        why = f"segment(s) {', '.join(kinds)} before any MSH header: not part of a message"
        return Record.bad(first.line, text, why, first.start, last.end - first.start)

    for region in regions():
        if isinstance(region, Record):
            if current:
                yield current
                current = []
            line += 1  # counted like a segment, so that every record has a position of its own
            yield Record.bad(line, region.raw, region.reason or "", region.offset, region.length)
            continue
        # the segments are the runs of bytes between \r and \n: split on \r, with \n read as \r
        end = region[0] - 1
        for segment in data[region[0] : region[1]].translate(_LF_AS_CR).split(b"\r"):
            start, end = end + 1, end + 1 + len(segment)
            if not segment or (segment[0] in _BLANKS and not segment.strip()):
                continue
            line += 1
            span = _Span(line, start, end)
            kind = segment[:3]
            if kind in ENVELOPE:
                if current:
                    yield current
                    current = []
                yield Frame(line, ENVELOPE[kind])
            elif kind == b"MSH":
                if orphans:
                    yield orphan_record()
                    orphans = []
                if current:
                    yield current
                current = [span]
            elif current:
                current.append(span)
            else:
                orphans.append(span)
        if current:  # a message never spans two MLLP frames
            yield current
            current = []
    if orphans:
        yield orphan_record()
    return line


# --- one message -----------------------------------------------------------------------------------------


def message_records(
    spans: list[_Span],
    data: bytes,
    tenant_id: str,
    zones: SenderZones = DEFAULT,
    rows_of: Callable[..., Iterator[Any]] | None = None,
    *,
    plain: bool = True,
) -> Iterator[Record]:
    """The rows of one message: one, or one per patient for an A17 swap / multi-patient A40; or a bad
    Record naming what is wrong. `plain=False` has python-hl7 tokenize every message (the tests' oracle)."""
    first, last = spans[0], spans[-1]
    offset, length = first.start, last.end - first.start
    charset_name = _msh18(data[first.start : first.end])
    codec = codec_for(charset_name)
    raw_bytes = [data[s.start : s.end] for s in spans]
    if codec is None:
        raw = "\r".join(b.decode("latin-1") for b in raw_bytes)
        why = f"MSH-18 character set {charset_name!r} is not one this feed reads ({', '.join(DECLARED)})"
        yield Record.bad(first.line, raw, why, offset, length)
        return
    texts = _decode_segments(raw_bytes, codec)
    raw = "\r".join(texts)
    try:
        rows = list((rows_of or _rows)(spans, texts, data, tenant_id, raw, codec, zones, plain))
    except RowError as exc:
        yield Record.bad(first.line, raw, str(exc), offset, length)
        return
    except (IndexError, KeyError, TypeError, AttributeError, AssertionError, ValueError) as exc:
        # python-hl7 met a structure it can't take apart (seen with mangled separators): the message is
        # quarantined like any other, never the whole file failed
        why = f"python-hl7 can't read the message's structure ({type(exc).__name__}); check its separators"
        yield Record.bad(first.line, raw, why, offset, length)
        return
    for line, values in rows:
        yield Record(line=line, raw=raw, values=values, offset=offset, length=length)


def _decode_segments(segments: list[bytes], codec: str) -> list[str]:
    """Each segment in `codec` (`_decode`): in one call when the set allows it (`_SEGMENTWISE`)."""
    if codec in _SEGMENTWISE:
        try:
            return b"\r".join(segments).decode(codec).split("\r")
        except UnicodeDecodeError:
            pass
    return [_decode(b, codec) for b in segments]


def _decode(segment: bytes, codec: str) -> str:
    try:
        return segment.decode(codec)
    except UnicodeDecodeError:
        return segment.decode("latin-1")  # bytes not valid in the declared set: latin-1 reads every byte


def _msh18(msh: bytes) -> str:
    if len(msh) < 4:
        return ""
    fields = msh.split(msh[3:4])
    if len(fields) <= 17:
        return ""
    repetition = fields[1][1:2] or b"~"  # MSH-2: component, repetition, escape, subcomponent
    return fields[17].split(repetition)[0].decode("latin-1").strip()


def _rows(
    spans: list[_Span],
    texts: list[str],
    data: bytes,
    tenant_id: str,
    raw: str,
    codec: str,
    zones: SenderZones,
    plain: bool,
) -> Iterator[tuple[int, dict[str, Any]]]:
    msh_text = texts[0]
    if len(msh_text) < 8 or msh_text[3].isalnum() or msh_text[3].isspace():
        raise RowError("MSH segment does not declare its separators (MSH-1, MSH-2)")
    separator = msh_text[3]
    # a segment is named by what comes before its first field separator ("PIDX|..." is no PID)
    wanted = [
        (s, t)
        for s, t in zip(spans, texts, strict=True)
        if data[s.start : s.start + 3] in PARSED
        and (s is spans[0] or (t[:3] in READ_FIELDS and t[3:4] in (separator, "")))
    ]
    fields = (plain and _plain_fields(wanted, msh_text)) or _library_fields(wanted, separator, codec)
    segments = list(zip((s for s, _ in wanted), fields.segments, strict=True))
    msh = fields.segments[0]

    msh9 = fields.reps(msh, 9)
    message_type = fields.value(msh9[0], 1) if msh9 else ""
    trigger = fields.value(msh9[0], 2) if msh9 else ""
    if message_type.upper() != "ADT":
        shown_type = "^".join(p for p in (message_type, trigger) if p) or "empty"
        raise RowError(f"not an ADT message (MSH-9 is {shown_type})")
    evn = next((seg for _, seg in segments if fields.name(seg) == "EVN"), None)
    if not trigger and evn is not None:
        trigger = fields.text(evn, 1)  # v2.3 senders may leave MSH-9.2 empty; EVN-1 then names it
    trigger = trigger.upper()
    if trigger not in EVENTS:
        raise RowError(
            f"ADT trigger event {trigger or '(none)'} is not one this feed reads ({EVENTS[0]}-{EVENTS[12]}, "
            "A17, A28, A31, A40, A60)"
        )
    control_id = fields.text(msh, 10)
    if not control_id:
        raise RowError("MSH-10 control id is empty")
    sender = "^".join((_hd(fields, msh, 3), _hd(fields, msh, 4)))
    if sender == "^":
        raise RowError("MSH-3 sending application and MSH-4 sending facility are both empty")
    version = fields.text(msh, 12)
    if version not in VERSIONS and (version[:3] not in VERSIONS or version[3:4] != "."):  # "2.5", "2.5.1"
        raise RowError(f"MSH-12 version {version or '(empty)'!r} is not HL7 v2.3 to v2.8")
    zone = zones.zone(sender)
    message_time = hl7_time("MSH-7", fields.text(msh, 7), required=True, zone=zone)
    event_time = None
    if evn is not None:
        event_time = hl7_time("EVN-6", fields.text(evn, 6), zone=zone) or hl7_time(
            "EVN-2", fields.text(evn, 2), zone=zone
        )

    groups = _patient_groups(fields, segments)
    if not groups:
        raise RowError(f"ADT^{trigger} has no PID segment (patient identification)")
    if trigger == "A17" and len(groups) != 2:
        raise RowError(f"ADT^A17 swap must name two patients (two PID segments), found {len(groups)}")
    if trigger not in ("A17", "A40"):
        groups = groups[:1]
    common = {
        "tenant_id": tenant_id,
        "sender": sender,
        "message_time": message_time,
        "event_type": trigger,
        "event_time": event_time,
        "hl7_version": version,
        "raw": raw,
    }
    for n, group in enumerate(groups, 1):
        suffix = f"#{n}" if len(groups) > 1 else ""
        where = f" (patient {n} of {len(groups)})" if len(groups) > 1 else ""
        values = _patient(fields, group, trigger, where, zone)
        line = group[0][0].line if len(groups) > 1 else spans[0].line
        yield line, {**common, "message_id": control_id + suffix, **values}


def _patient_groups(fields: Fields, segments: list[tuple[_Span, Any]]) -> list[list[tuple[_Span, Any]]]:
    groups: list[list[tuple[_Span, Any]]] = []
    for span, seg in segments:
        name = fields.name(seg)
        if name == "PID":
            groups.append([(span, seg)])
        elif groups and name in ("PV1", "MRG"):
            groups[-1].append((span, seg))
    return groups


def _patient(
    fields: Fields, group: list[tuple[_Span, Any]], trigger: str, where: str, zone: tzinfo
) -> dict[str, Any]:
    pid = group[0][1]
    pv1 = next((seg for _, seg in group if fields.name(seg) == "PV1"), None)
    mrg = next((seg for _, seg in group if fields.name(seg) == "MRG"), None)
    ids = identifiers(fields, pid, 3)
    if not ids:
        raise RowError(f"PID-3 has no identifier{where}")
    if pv1 is None and trigger in NEEDS_VISIT:
        raise RowError(f"ADT^{trigger} has no PV1 segment (patient visit){where}")
    merged = ""
    if trigger == "A40":
        prior = identifiers(fields, mrg, 1) if mrg is not None else []
        if not prior:
            raise RowError(f"ADT^A40 merge has no prior patient identifier (MRG-1){where}")
        merged = next((i["id"] for i in prior if i["type"].upper() == "MR"), prior[0]["id"])
    name = pid_name(fields, pid)
    values: dict[str, Any] = {
        "patient_ids": _json(ids),
        "mrn": next((i["id"] for i in ids if i["type"].upper() == "MR"), ""),
        "abha_number": next(
            (i["id"] for i in ids if "ABHA" in (i["type"].upper(), i["authority"].upper())), ""
        ),
        "patient_name": name,
        "birth_date": _birth_date(fields.text(pid, 7)),
        "sex": fields.text(pid, 8),
        "merged_mrn": merged,
    }
    visit = {
        "patient_class": "",
        "visit_number": "",
        "location": "",
        "prior_location": "",
        "department": "",
        "attending_doctor": "",
        "admit_time": None,
        "discharge_time": None,
        "discharge_disposition": "",
    }
    if pv1 is not None:
        visit = {
            "patient_class": fields.text(pv1, 2),
            "visit_number": fields.text(pv1, 19),
            "location": _location(fields, pv1, 3),
            "prior_location": _location(fields, pv1, 6),
            "department": fields.text(pv1, 10),
            "attending_doctor": fields.text(pv1, 7),
            "admit_time": hl7_time("PV1-44", fields.text(pv1, 44), zone=zone),
            "discharge_time": hl7_time("PV1-45", fields.text(pv1, 45), zone=zone),
            "discharge_disposition": fields.text(pv1, 36),
        }
    return {**values, **visit}


# --- fields: one extraction, two tokenizations ------------------------------------------------------------
#
# What each column means (which field, repetition, component, subcomponent) is written once, in `_rows`,
# `_patient` and the helpers below, against `Fields`: the segments of a message and how to read a field's
# repetitions and a component's value. Two tokenizations answer it:
# - `_LibraryFields`, python-hl7's parse tree (its separators, escape sequences, hex escapes in the
#   message's character set): every message with an escape character in a field read, unusual encoding
#   characters, or anything else `_plain_fields` does not take;
# - `_PlainFields`, the same fields split with `str.split` on the separators the message declares: the common
#   message, with nothing to unescape, where python-hl7's tree is one split per separator level plus an
#   object per field, repetition and component (most of a message's time). tests/ingestion/
#   test_adt_hl7_tokenizers.py checks both give the same rows on the corpus and on generated messages.


class Fields(Protocol):
    segments: list[Any]

    def name(self, seg: Any) -> str: ...

    def reps(self, seg: Any, n: int) -> list[Any]: ...

    def value(self, rep: Any, component: int = 1, sub: int = 1) -> str: ...

    def text(self, seg: Any, n: int, component: int = 1, sub: int = 1) -> str:
        """`value` of field n's first repetition ('' when the field is empty)."""
        ...


def _compact(segment: str, separator: str) -> str:
    """The segment with only the fields this feed reads (READ_FIELDS), in that order."""
    fields = segment.split(separator)
    name = fields[0]
    if name == "MSH":  # MSH-1 is the separator itself: MSH-n is fields[n - 1]
        kept = [fields[n - 1] if n - 1 < len(fields) else "" for n in READ_FIELDS[name]]
        return separator.join([name, fields[1] if len(fields) > 1 else "", *kept])
    return separator.join([name, *(fields[n] if n < len(fields) else "" for n in READ_FIELDS[name])])


_item = list.__getitem__  # python-hl7's containers override it (for slices): the plain one, on the hot path


def _library_fields(wanted: list[tuple[_Span, str]], separator: str, codec: str) -> _LibraryFields:
    try:
        message = hl7.parse("\r".join(_compact(t, separator) for _, t in wanted))
        message.codec = codec  # \Xhh\ escapes are bytes in the message's character set
    except (hl7.ParseException, IndexError, AssertionError, ValueError) as exc:
        raise RowError(f"python-hl7 can't parse the message: {exc}") from None
    return _LibraryFields(message)


class _LibraryFields:
    """The message as python-hl7 parsed it (each segment compacted to the fields read, `_compact`)."""

    def __init__(self, message: Message) -> None:
        self.message = message
        self.segments: list[Any] = list(message)

    def name(self, seg: Segment) -> str:
        return str(_item(_item(seg, 0), 0))

    def reps(self, seg: Segment, n: int) -> list[Any]:
        """The repetitions of field n (each a list of components, or a plain string)."""
        i = _INDEX[_item(_item(seg, 0), 0)][n]
        if i >= len(seg):
            return []
        field = _item(seg, i)
        if field and isinstance(_item(field, 0), Repetition):
            return list(field)
        return [field]

    def text(self, seg: Segment, n: int, component: int = 1, sub: int = 1) -> str:
        reps = self.reps(seg, n)
        return self.value(reps[0], component, sub) if reps else ""

    def value(self, rep: Any, component: int = 1, sub: int = 1) -> str:
        """Component `component`, subcomponent `sub` of one repetition (from `reps`), unescaped."""
        part: Any = _item(rep, component - 1) if component <= len(rep) else ""
        if not isinstance(part, str):
            part = _item(part, sub - 1) if sub <= len(part) else ""
        elif sub != 1:
            part = ""
        if not part:
            return ""
        message = self.message
        if message.esc + "X" in part:
            return self._unescape_hex(part).strip()
        return message.unescape(part).strip()

    def _unescape_hex(self, part: str) -> str:
        """python-hl7 turns each byte of a \\Xhh..\\ escape into the character of that code point, which is
        wrong past ASCII (UTF-8 \\XC3A9\\ is é, not Ã©): the hex runs are decoded here as bytes in the
        message's character set (latin-1 when not valid there), the rest is unescaped by python-hl7."""
        message = self.message
        esc = re.escape(message.esc)
        out = []
        for i, chunk in enumerate(re.split(f"{esc}X([0-9A-Fa-f]*){esc}", part)):
            if i % 2 == 0:
                out.append(message.unescape(chunk) if chunk else "")
            else:
                raw = bytes.fromhex(chunk[: len(chunk) // 2 * 2])
                out.append(_decode(raw, getattr(message, "codec", "utf-8")))
        return "".join(out)


def _plain_fields(wanted: list[tuple[_Span, str]], msh: str) -> _PlainFields | None:
    """The fields split on the message's separators, or None when python-hl7 must read the message: the
    encoding characters are not 4 distinct printable non-alphanumeric ones followed by the field separator
    (a v2.7 truncation character, a short or mangled MSH-2), or a field read holds the escape character."""
    if len(msh) < 9 or not _plain_separators(msh[3:9]):
        return None
    field, component, repetition, escape, sub = msh[3:8]
    # MSH-n is [n], as python-hl7 numbers it; a segment is split up to the last field read
    segments = [["MSH", field, *msh[4:].split(field, _LAST["MSH"] - 1)]]
    segments += [t.split(field, _LAST[t[:3]] + 1) for _, t in wanted[1:]]
    # the escape character in a field read sends the message to python-hl7 (MSH-2 holds it, MSH-3 is at 9)
    if escape in msh[9:] or any(escape in text for _, text in wanted[1:]):
        for seg in segments:
            if any(escape in seg[n] for n in READ_FIELDS[seg[0]] if n < len(seg)):
                return None
    return _PlainFields(segments, component, repetition, sub)


@functools.lru_cache(maxsize=64)  # a sender's separators are the same in every message
def _plain_separators(declared: str) -> bool:
    """MSH-1, MSH-2 and the separator after them (`declared`, 6 characters) are what the plain split reads."""
    separators = declared[:5]
    return (
        declared[5] == declared[0]
        and len(set(separators)) == 5
        and all(c.isascii() and c.isprintable() and not c.isalnum() and c != " " for c in separators)
    )


class _PlainFields:
    """A message's fields as strings (segment: [name, field 1, ...]); repetitions and components split on
    demand. Only for messages with nothing to unescape (`_plain_fields`)."""

    __slots__ = ("_component", "_components", "_repetition", "_split", "_sub", "segments")

    def __init__(self, segments: list[list[str]], component: str, repetition: str, sub: str) -> None:
        self.segments = segments
        self._component, self._repetition, self._sub = component, repetition, sub
        self._split, self._components = "", [""]  # the last repetition split into components, and its parts

    def name(self, seg: list[str]) -> str:
        return seg[0]

    def reps(self, seg: list[str], n: int) -> list[str]:
        return seg[n].split(self._repetition) if n < len(seg) and seg[n] else []

    def text(self, seg: list[str], n: int, component: int = 1, sub: int = 1) -> str:
        if n >= len(seg) or not seg[n]:
            return ""
        return self.value(seg[n].partition(self._repetition)[0], component, sub)

    def value(self, rep: str, component: int = 1, sub: int = 1) -> str:
        if self._component in rep:
            # an identifier, a location or a name is read component by component: split once
            if rep != self._split:
                self._split, self._components = rep, rep.split(self._component)
            parts = self._components
            if component > len(parts):
                return ""
            rep = parts[component - 1]
        elif component > 1:
            return ""
        if self._sub in rep:
            subs = rep.split(self._sub)
            return subs[sub - 1].strip() if sub <= len(subs) else ""
        return rep.strip() if sub == 1 else ""


def _text(fields: Fields, seg: Any, n: int, component: int = 1, sub: int = 1) -> str:
    """`fields.text` (billing_hl7 reads through it; this module calls the method, one call less a field)."""
    return fields.text(seg, n, component, sub)


def _hd(fields: Fields, seg: Any, n: int) -> str:
    """A hierarchic designator (HD): its namespace id, else its universal id."""
    return fields.text(seg, n, 1) or fields.text(seg, n, 2)


def identifiers(fields: Fields, seg: Any, n: int) -> list[dict[str, str]]:
    """Every repetition of an extended id (CX) field with an id: [{id, authority, type}]."""
    out = []
    value = fields.value
    for rep in fields.reps(seg, n):
        ident = value(rep, 1)
        if ident:
            authority = value(rep, 4, 1) or value(rep, 4, 2)
            out.append({"id": ident, "authority": authority, "type": value(rep, 5)})
    return out


def pid_name(fields: Fields, pid: Any) -> str:
    """PID-5's first name as family^given ('' when both are empty)."""
    reps = fields.reps(pid, 5)
    if not reps:
        return ""
    family, given = fields.value(reps[0], 1, 1), fields.value(reps[0], 2)
    return f"{family}^{given}" if family or given else ""


def _location(fields: Fields, seg: Any, n: int) -> str:
    """A person location (PL): point of care^room^bed^facility, empty trailing parts dropped."""
    reps = fields.reps(seg, n)
    if not reps:
        return ""
    parts = [fields.value(reps[0], c, 1) for c in (1, 2, 3, 4)]
    return "^".join(parts).rstrip("^")


def hl7_time(field: str, value: str, *, required: bool = False, zone: tzinfo = IST) -> datetime | None:
    """An HL7 DTM/TS as UTC: with an offset converted, without one read in `zone` (the sender's; IST)."""
    value = value.strip()
    if not value:
        if required:
            raise RowError(f"{field} is empty; expected an HL7 timestamp")
        return None
    if (
        len(value) == 19
        and value[14] in "+-"
        and value.isascii()
        and value[:14].isdigit()
        and value[15:].isdigit()
    ):
        # YYYYMMDDHHMMSS+ZZZZ, what most senders write: the regex's groups, by position
        year, month, day, hour, minute, second = (
            value[:4],
            value[4:6],
            value[6:8],
            value[8:10],
            value[10:12],
            value[12:14],
        )
        fraction, sign = None, value[14]
    elif m := _TIMESTAMP.fullmatch(value):
        year, month, day, hour, minute, second, fraction, sign = m.groups()[:8]
    else:
        raise RowError(f"{field} {value!r} is not an HL7 timestamp (YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ])")
    if sign:
        zone = _OFFSETS.get(value[-5:]) or _offset(field, value)
    try:
        local = datetime(
            int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0), int(second or 0),
            int(fraction.ljust(3, "0")[:3]) * 1000 if fraction else 0, tzinfo=zone,
        )  # fmt: skip
    except ValueError:
        raise RowError(f"{field} {value!r} is not an HL7 timestamp (no such date or time)") from None
    try:
        utc = local.astimezone(UTC)
    except OverflowError:  # past year 9999 in UTC ('99991231235959-2359'): a datetime can't hold it
        utc = None
    if utc is None or not FIRST_TIME <= utc <= LAST_TIME:
        raise RowError(f"{field} {value!r} is outside 1900-2299, what the warehouse holds")
    return utc


_OFFSETS: dict[str, timezone] = {}  # "+0530": its zone, made once


def _offset(field: str, value: str) -> timezone:
    """The fixed zone of a timestamp's +/-ZZZZ (its last 5 characters)."""
    sign, hours, minutes = value[-5], int(value[-4:-2]), int(value[-2:])
    offset = timedelta(hours=hours, minutes=minutes)
    if offset >= timedelta(hours=24) or minutes >= 60:
        raise RowError(f"{field} {value!r} has an impossible UTC offset")
    zone = _OFFSETS[value[-5:]] = timezone(-offset if sign == "-" else offset)
    return zone


def _birth_date(value: str) -> date | None:
    """PID-7: the date the sender wrote (its time and offset, if any, do not move the date). The value is
    PHI, so the reason does not repeat it."""
    value = value.strip()
    if not value:
        return None
    m = _TIMESTAMP.fullmatch(value)
    try:
        day = date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)) if m else None
    except ValueError:
        day = None
    if day is None:
        raise RowError("PID-7 birth date is not an HL7 date (YYYY[MM[DD]]...)")
    if not FIRST_DATE <= day <= LAST_DATE:
        raise RowError("PID-7 birth date is outside 1900-2299, what the warehouse holds")
    return day


__all__ = ["CHARSETS", "EVENTS", "IST", "AdtHl7Reader", "hl7_time", "split_messages"]
