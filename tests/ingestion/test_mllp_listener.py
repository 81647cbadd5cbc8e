"""The MLLP listener against a real peer: python-hl7's asyncio MLLP client over loopback sockets, the spool
on a real folder, and for the crash test the listener as its own process (`mymedic adt listen`) killed
with SIGKILL while senders are mid-stream."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import hl7
import pytest
from hl7.mllp import open_hl7_connection
from typer.testing import CliRunner

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.adt_hl7 import FEED as ADT_HL7
from ingestion.feeds.booking_events import FEED as BOOKING_EVENTS
from ingestion.loader import load_file
from ingestion.mllp.ack import AckBuilder
from ingestion.mllp.header import HeaderCache, Refused, read_header
from ingestion.mllp.listener import Listener
from ingestion.mllp.spool import message_key, spool_folder, spooled_messages
from ingestion.tables import create_raw_tables
from mymedic.cli import app

REPO = Path(__file__).resolve().parents[2]
# ../shared/corpora/ next to the checkout; a git worktree under <root>/wt/<name> finds it next to <root>.
CORPUS = next(
    (
        p
        for p in (REPO.parent / "shared/corpora/hl7v2", REPO.parents[1] / "shared/corpora/hl7v2")
        if p.is_dir()
    ),
    REPO.parent / "shared/corpora/hl7v2",
)
FIXED_NOW = datetime(2026, 11, 3, 4, 30, tzinfo=UTC)


def adt(
    control_id: str,
    *,
    sender: str = "HIS|CITY",
    version: str = "2.5.1",
    trigger: str = "A01",
    extra: str = "",
    msh18: str = "",
) -> bytes:
    """An ADT message (v2 syntax, `\\r` segment ends) with a PID and a PV1."""
    msh = f"MSH|^~\\&|{sender}|MYMEDIC|MM|20261103100000+0530||ADT^{trigger}^ADT_A01|{control_id}|P|{version}"
    if msh18:
        msh += f"||||||{msh18}"
    segments = [
        msh,
        f"EVN|{trigger}|20261103100000+0530",
        f"PID|1||MRN{control_id}^^^CITY^MR~91-1234-5678-9012^^^ABHA^ABHA||SHARMA^ASHA{extra}||19800101|F",
        "PV1|1|I|W1^101^A^CITY||||D042^RAO^VIKRAM|||MED|||||||||V" + control_id,
    ]
    return ("\r".join(segments) + "\r").encode("utf-8" if not msh18 or "UTF" in msh18 else "latin-1")


def load_spool(warehouse: Warehouse, data: Path, tenant: str, measure: str) -> list[tuple]:
    """Load the spool with the adt_hl7 feed as `tenant`; per message id, (message_id, `measure`)."""
    create_raw_tables(warehouse)
    for path in ADT_HL7.files(data):
        load_file(warehouse, ADT_HL7, path, LoadContext(tenant), source=path.name)
    return warehouse.rows(
        f"select message_id, {measure} from raw.adt_hl7_events where tenant_id = {{t:String}} "
        "group by message_id order by message_id",
        {"t": tenant},
    )


def run(coroutine: Awaitable[None]) -> None:
    asyncio.run(coroutine)  # type: ignore[arg-type]


@asynccontextmanager
async def listening(data: Path, **options: int) -> AsyncIterator[tuple[Listener, int]]:
    listener = Listener(data, clock=lambda: FIXED_NOW, **options)
    _, port = await listener.start("127.0.0.1", 0)
    try:
        yield listener, port
    finally:
        await listener.close()


async def exchange(port: int, *messages: bytes) -> list[hl7.Message]:
    """Send each message on one connection, waiting for each ACK (MLLP's original mode)."""
    reader, writer = await open_hl7_connection("127.0.0.1", port)
    acks = []
    try:
        for message in messages:
            writer.writeblock(message)
            await writer.drain()
            acks.append(hl7.parse(await reader.readblock(), encoding="latin-1"))  # the sender's bytes echoed
    finally:
        writer.close()
    return acks


def msa(ack: hl7.Message) -> tuple[str, str]:
    return str(ack.segment("MSA")(1)), str(ack.segment("MSA")(2))


def spooled(data: Path) -> dict[str, bytes]:
    """What the spool's published files hold: key (sender, control id) -> the message as received. A key
    held twice fails: the spool stores a message once."""
    held: dict[str, bytes] = {}
    for _, content in spooled_messages(data):
        header = read_header(content)
        key = message_key(header.sender, header.control_id)
        assert key not in held, f"{header.control_id} stored twice"
        held[key] = content
    return held


def test_an_accepted_message_is_in_the_spool_as_sent_and_acknowledged_aa(tmp_path: Path) -> None:
    message = adt("CTL0001")

    async def scenario() -> None:
        async with listening(tmp_path) as (_, port):
            (ack,) = await exchange(port, message)
        assert msa(ack) == ("AA", "CTL0001")
        head = ack.segment("MSH")
        assert str(head(9)) == "ACK^A01^ACK" and str(head(12)) == "2.5.1"  # the message's own version
        assert (str(head(5)), str(head(6))) == ("HIS", "CITY")  # back to the sender
        assert str(head(7)) == "20261103043000+0000"  # the injected clock
        assert [str(s(0)) for s in ack] == ["MSH", "MSA"]  # no ERR

    run(scenario())
    assert spooled(tmp_path) == {message_key("HIS^CITY", "CTL0001"): message}
    # What the adt_hl7 feed's reader will get: the file is in its folder list and matches its patterns,
    # and python-hl7 reads it back as the same ADT message.
    (stored,) = spool_folder(tmp_path).glob("*.hl7")
    assert ADT_HL7.files(tmp_path) == [stored] and ADT_HL7.accepts(stored)
    assert stored.read_bytes() == b"\x0b" + message + b"\x1c\r"  # MLLP-framed, as received
    parsed = hl7.parse(message.decode())
    assert str(parsed.segment("MSH")(10)) == "CTL0001" and str(parsed.segment("PV1")(19)) == "VCTL0001"


def test_the_ack_uses_the_senders_separators(tmp_path: Path) -> None:
    message = b"MSH#!~\\&#HIS#CITY#MM#MM#20261103100000##ADT!A04!ADT_A01#SEP1#P#2.4\rPID#1##M1!!!CITY!MR\r"

    async def scenario() -> None:
        async with listening(tmp_path) as (_, port):
            (ack,) = await exchange(port, message)
        assert str(ack).startswith("MSH#!~\\&#MM#MM#HIS#CITY#")
        assert "ACK!A04!ACK" in str(ack) and msa(ack) == ("AA", "SEP1")

    run(scenario())
    assert len(spooled(tmp_path)) == 1


def test_a_v27_truncation_character_in_msh2_is_accepted(tmp_path: Path) -> None:
    message = b"MSH|^~\\&#|HIS|CITY|MM|MM|20261103100000||ADT^A01^ADT_A01|T27|P|2.7\rPID|1||M1^^^CITY^MR\r"

    async def scenario() -> None:
        async with listening(tmp_path) as (_, port):
            (ack,) = await exchange(port, message)
        assert msa(ack) == ("AA", "T27") and str(ack).startswith("MSH|^~\\&#|")

    run(scenario())
    assert list(spooled(tmp_path).values()) == [message]


@pytest.mark.parametrize(
    ("message", "field", "condition"),
    [
        (adt(""), "10", "101"),  # MSH-10 missing
        (adt("T1", msh18="KLINGON"), "18", "103"),  # a character set HL7 table 0211 does not have
        (adt("T2", msh18="UNICODE UTF-8").replace(b"ASHA", b"A\xffSHA"), "18", "102"),  # not UTF-8
        (adt("T3", trigger=""), "9", "101"),  # no trigger event
        (adt("T4", sender="|"), "3", "101"),  # no sender at all
    ],
)
def test_a_message_it_cannot_accept_gets_ae_with_an_err_naming_the_problem(
    tmp_path: Path, message: bytes, field: str, condition: str
) -> None:
    async def scenario() -> None:
        async with listening(tmp_path) as (_, port):
            ack, after = await exchange(port, message, adt("GOOD1"))  # the connection stays usable
        assert msa(ack)[0] == "AE" and msa(after) == ("AA", "GOOD1")
        (err,) = [s for s in ack if str(s(0)) == "ERR"]
        assert str(err(2)) == f"MSH^1^{field}"  # ERR-2 location
        assert str(err(3)(1)(1)) == condition and str(err(3)(1)(3)) == "HL70357"  # ERR-3, table 0357
        assert str(err(4)) == "E" and str(err(8))  # severity and a reason for a person

    run(scenario())
    assert list(spooled(tmp_path)) == [message_key("HIS^CITY", "GOOD1")]  # nothing else stored


def mutations(seed: int, count: int) -> list[bytes]:
    """Damaged copies of a good message: bytes cut, inserted, swapped for separators, truncated (never the
    MLLP framing bytes, which the framing tests cover)."""
    rng = random.Random(seed)
    alphabet = b"|^~\\&\r\nMSHADT0123456789 \xff\xc3\xa9"
    out = []
    for n in range(count):
        data = bytearray(adt(f"F{n}"))
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(data))
            operation = rng.choice(("cut", "insert", "replace", "truncate"))
            if operation == "cut":
                del data[at : at + rng.randint(1, 8)]
            elif operation == "insert":
                data[at:at] = bytes(rng.choice(alphabet) for _ in range(rng.randint(1, 6)))
            elif operation == "replace":
                data[at] = rng.choice(alphabet)
            else:
                del data[at:]
            if not data:
                data = bytearray(b"X")
        out.append(bytes(data))
    return out


def test_every_damaged_message_gets_an_answer_and_only_accepted_ones_are_stored(tmp_path: Path) -> None:
    frames = mutations(seed=11, count=300)

    async def scenario() -> list[hl7.Message]:
        async with listening(tmp_path) as (_, port):
            return await exchange(port, *frames)  # one connection: none of them may break it

    acks = asyncio.run(scenario())
    codes = [msa(a)[0] for a in acks]
    assert set(codes) <= {"AA", "AE", "AR"} and len(codes) == len(frames)
    assert {"AA", "AE", "AR"} <= set(codes)  # the mutations reach every answer
    for ack in acks:
        if msa(ack)[0] != "AA":
            assert [str(s(0)) for s in ack][-1] == "ERR"
    stored = set(spooled(tmp_path).values())
    accepted = {frame for frame, code in zip(frames, codes, strict=True) if code == "AA"}
    assert stored <= accepted and len(stored) >= 1


def test_the_per_shape_cache_answers_exactly_what_python_hl7_answers_for_each_message() -> None:
    """The listener reads a known MSH shape from its cache and fills an ACK template; python-hl7 parsing each
    message and create_ack must give the same header and the same ACK text, message by message."""
    messages = [
        adt(f"EQ{i}", sender=s, version=v)
        for i in range(3)
        for s in ("HIS|CITY", "LAB|X")
        for v in ("2.3", "2.5.1")
    ]
    messages += [adt("EQ&1"), adt("EQ^2"), adt("EQ9", msh18="8859/1"), *mutations(seed=5, count=400)]
    cache, cached_acks = HeaderCache(), AckBuilder(clock=lambda: FIXED_NOW)
    direct_acks = AckBuilder(clock=lambda: FIXED_NOW)
    hits = 0
    for content in messages * 2:  # the second round is all cache hits for the accepted shapes
        try:
            direct = read_header(content)
        except Refused as refused:
            with pytest.raises(Refused) as also:
                cache.read(content)
            assert (also.value.ack_code, also.value.condition) == (refused.ack_code, refused.condition)
            continue
        header = cache.read(content)
        hits += header.message is not direct.message and header.shape == direct.shape
        assert (header.sender, header.control_id, header.message_type, header.trigger_event,
                header.version, header.charset) == (direct.sender, direct.control_id, direct.message_type,
                direct.trigger_event, direct.version, direct.charset)  # fmt: skip
        assert cached_acks.accept(header) == str(direct_acks._ack(direct.message, "AA"))
    assert hits > len(messages)  # the cache was used, not only filled


def test_a_v23_message_gets_its_err_in_the_v23_layout(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with listening(tmp_path) as (_, port):
            (ack,) = await exchange(port, adt("", version="2.3"))
        assert msa(ack)[0] == "AE" and str(ack.segment("MSA")(3)) == "MSH-10 message control id missing"
        assert str(ack.segment("ERR")(1)) == "MSH^1^10^101&Required field missing&HL70357"  # ERR-1 (CM)

    run(scenario())
    assert spooled(tmp_path) == {}


@pytest.mark.parametrize(
    ("message", "condition", "control_id"),
    [
        (adt("R1").replace(b"ADT^A01^ADT_A01", b"ORU^R01^ORU_R01"), "200", "R1"),  # not ADT
        (adt("R2", version="2.2"), "203", "R2"),  # a version before 2.3
        (b"PID|1||M1^^^CITY^MR\r", "100", ""),  # no MSH first
        (b"MSH|^~\\&|HIS|CITY|||20261103||ORU|R3|P|2.5\r", "200", "R3"),  # MSH-9 without components
        (b"MSH|^~\\&|HIS|CITY|||20261103||ADT^A01|R4\r", "203", "R4"),  # the MSH ends before MSH-12
        (b"MSH|^~\\&\r", "101", ""),  # nothing after the encoding characters
        (b"MSH|^~IS|HIS|CITY|||20261103||ADT^A01|R5|P|2.5\r", "102", ""),  # letters as encoding characters
        (b"MSH|^~\\&|HIS|CITY|||20261103||\r", "200", ""),  # empty type and control id
    ],
)
def test_a_message_of_a_kind_it_does_not_take_gets_ar(
    tmp_path: Path, message: bytes, condition: str, control_id: str
) -> None:
    async def scenario() -> None:
        async with listening(tmp_path) as (_, port):
            (ack,) = await exchange(port, message)
        assert msa(ack) == ("AR", control_id)
        assert str(ack.segment("ERR")(3)(1)(1)) == condition

    run(scenario())
    assert spooled(tmp_path) == {}


def test_the_control_id_is_the_whole_field_so_ids_differing_after_a_separator_are_two_messages(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        async with listening(tmp_path) as (_, port):
            acks = await exchange(port, adt("C&1"), adt("C&2"))
        assert [msa(a) for a in acks] == [("AA", "C&1"), ("AA", "C&2")]

    run(scenario())
    assert len(spooled(tmp_path)) == 2


def test_bytes_that_are_not_an_mllp_frame_get_ar_and_the_connection_closes(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with listening(tmp_path) as (_, port):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(adt("NOFRAME") + b"\x1c\r")  # no start block
            await writer.drain()
            answer = await reader.read()  # everything until the listener closes the connection
            writer.close()
        assert answer.startswith(b"\x0b") and answer.endswith(b"\x1c\r")
        ack = hl7.parse(answer[1:-2])
        assert msa(ack)[0] == "AR" and "start block" in str(ack.segment("ERR")(8))

    run(scenario())
    assert spooled(tmp_path) == {}


def test_a_duplicate_control_id_from_the_same_sender_is_acknowledged_again_and_stored_once(
    tmp_path: Path,
) -> None:
    first, resent = adt("DUP1"), adt("DUP1", extra="X")  # same sender and MSH-10; the first one is kept
    other_sender = adt("DUP1", sender="LAB|CITY")

    async def scenario() -> None:
        async with listening(tmp_path) as (listener, port):
            acks = await exchange(port, first, resent, other_sender)
            assert (listener.counts.accepted, listener.counts.duplicates) == (2, 1)
        assert [msa(a) for a in acks] == [("AA", "DUP1")] * 3
        async with listening(tmp_path) as (listener, port):  # a restarted listener still knows it
            (again,) = await exchange(port, resent)
            assert msa(again) == ("AA", "DUP1") and listener.counts.duplicates == 1

    run(scenario())
    files = spooled(tmp_path)
    assert files == {message_key("HIS^CITY", "DUP1"): first, message_key("LAB^CITY", "DUP1"): other_sender}


def test_concurrent_senders_each_get_aa_for_every_message_and_every_message_is_stored(tmp_path: Path) -> None:
    senders, each = 8, 40
    sent = {f"S{s}-{i}": adt(f"S{s}-{i}", sender=f"HIS{s}|CITY") for s in range(senders) for i in range(each)}

    async def scenario() -> None:
        async with listening(tmp_path) as (_, port):
            results = await asyncio.gather(
                *(exchange(port, *(sent[f"S{s}-{i}"] for i in range(each))) for s in range(senders))
            )
        for s, acks in enumerate(results):
            assert [msa(a) for a in acks] == [("AA", f"S{s}-{i}") for i in range(each)]

    run(scenario())
    stored = spooled(tmp_path)
    assert stored == {message_key(f"HIS{key[1]}^CITY", key): body for key, body in sent.items()}


def test_a_frame_over_the_size_bound_gets_ar_and_the_connection_closes_without_reading_it_all(
    tmp_path: Path,
) -> None:
    total = 64 * 1024 * 1024
    chunk = b"NTE|1||" + b"x" * (64 * 1024 - 8) + b"\r"

    async def scenario() -> None:
        async with listening(tmp_path, max_bytes=16 * 1024) as (_, port):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            answer = asyncio.create_task(reader.read())  # read while sending, as an MLLP peer must
            writer.write(b"\x0b" + adt("BIG1"))
            sent = 0
            with pytest.raises(ConnectionError):
                while sent < total:  # the listener must stop reading long before the 64 MiB are sent
                    writer.write(chunk)
                    await asyncio.wait_for(writer.drain(), 10)
                    sent += len(chunk)
            assert sent < total
            answer = await answer
            writer.close()
            ack = hl7.parse(answer[1:-2])
            assert msa(ack)[0] == "AR" and str(ack.segment("ERR")(3)(1)(1)) == "104"
            (after,) = await exchange(port, adt("SMALL1"))  # the listener is still serving
            assert msa(after) == ("AA", "SMALL1")

    run(scenario())
    assert list(spooled(tmp_path)) == [message_key("HIS^CITY", "SMALL1")]


def test_connections_over_the_bound_are_closed_and_the_others_served(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with listening(tmp_path, max_connections=1) as (listener, port):
            reader, writer = await open_hl7_connection("127.0.0.1", port)
            writer.writeblock(adt("ONE"))
            await writer.drain()
            assert msa(hl7.parse(await reader.readblock())) == ("AA", "ONE")
            extra_reader, extra_writer = await asyncio.open_connection("127.0.0.1", port)
            assert await extra_reader.read() == b""  # closed without reading: one connection at most
            extra_writer.close()
            writer.close()
            await writer.wait_closed()
            while listener.open_connections:  # until the listener has seen the first one close
                await asyncio.sleep(0.001)
            (after,) = await exchange(port, adt("TWO"))
            assert msa(after) == ("AA", "TWO")

    run(scenario())
    assert len(spooled(tmp_path)) == 2


def test_every_corpus_message_is_acknowledged_and_stored_once_per_sender_and_control_id(
    tmp_path: Path,
) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the third-party HL7 corpus is not at {CORPUS} (see /work/shared/corpora/README.md)")
    files = sorted(CORPUS.glob("*.hl7"))
    expected: dict[str, bytes] = {}
    for path in files:  # the key, read from the raw MSH independently of the listener and python-hl7
        raw = path.read_bytes()
        fields = raw.removeprefix(b"\xef\xbb\xbf").split(b"\r")[0].split(b"\n")[0].decode().split("|")
        sender = f"{fields[2].split('^')[0]}^{fields[3].split('^')[0]}"
        expected.setdefault(message_key(sender, fields[9]), raw)

    async def scenario() -> None:
        async with listening(tmp_path) as (_, port):
            acks = await exchange(port, *(p.read_bytes() for p in files))
        assert [msa(a)[0] for a in acks] == ["AA"] * len(files)

    run(scenario())
    assert spooled(tmp_path) == expected


def test_the_cli_fails_in_one_line_when_the_port_is_taken(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with listening(tmp_path) as (_, port):
            result = await asyncio.to_thread(
                CliRunner().invoke, app, ["adt", "listen", "--port", str(port), "--data-dir", str(tmp_path)]
            )
        assert result.exit_code == 1
        assert (
            result.output.startswith("error: cannot listen on 127.0.0.1:") and result.output.count("\n") == 1
        )

    run(scenario())


# --- the crash test: kill -9 of the listener process while senders are mid-stream ---


def start_listener(data: Path) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "mymedic.cli", "adt", "listen", "--port", "0", "--data-dir", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # blocks until it listens (or exits)
    assert line.startswith("listening on 127.0.0.1:"), (line, process.stderr.read() if process.stderr else "")
    return process, int(line.split(":")[1].split(",")[0])


async def send_until_dropped(
    port: int, sender: int, acked: set[str], sent: dict[str, bytes], on_ack: Callable[[], None]
) -> None:
    reader, writer = await open_hl7_connection("127.0.0.1", port)
    try:
        for i in range(100_000):
            control_id = f"K{sender}-{i}"
            sent[control_id] = adt(control_id)
            writer.writeblock(sent[control_id])
            await writer.drain()
            ack = hl7.parse(await reader.readblock())
            assert msa(ack) == ("AA", control_id)
            acked.add(control_id)
            on_ack()
    except (ConnectionError, asyncio.IncompleteReadError):
        return  # the listener died: whatever was not acknowledged may or may not be stored
    finally:
        writer.close()


def test_after_a_kill_9_mid_stream_every_acknowledged_message_is_in_the_warehouse(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    process, port = start_listener(tmp_path)
    acked: set[str] = set()
    sent: dict[str, bytes] = {}

    async def scenario() -> None:
        enough = asyncio.Event()

        def on_ack() -> None:
            if len(acked) >= 400 and not enough.is_set():
                enough.set()
                os.kill(process.pid, signal.SIGKILL)  # while the other senders' messages are in flight

        await asyncio.gather(*(send_until_dropped(port, s, acked, sent, on_ack) for s in range(6)))

    try:
        run(scenario())
    finally:
        process.kill()
        process.wait(30)
    assert process.returncode == -signal.SIGKILL
    assert len(acked) >= 400 and len(sent) > len(acked)  # some were in flight, unacknowledged

    restarted, port = start_listener(tmp_path)
    try:
        # Every acknowledged message is there, whole, under its key; no half-written file is visible.
        held = spooled(tmp_path)
        for control_id in acked:
            assert held[message_key("HIS^CITY", control_id)] == sent[control_id]
        assert [p.name for p in spool_folder(tmp_path).iterdir() if p.name.startswith(".")] == []
        assert all(ADT_HL7.accepts(p) for p in ADT_HL7.files(tmp_path))

        # The senders resend what got no ACK (and, to be sure, everything): each is AA, each stored once.
        async def resend() -> list[hl7.Message]:
            return await exchange(port, *sent.values())

        acks: list[hl7.Message] = []

        async def collect() -> None:
            acks.extend(await resend())

        run(collect())
        assert [msa(a) for a in acks] == [("AA", c) for c in sent]
        restarted.send_signal(signal.SIGTERM)  # it publishes its open spool segment as it stops
        out, err = restarted.communicate(timeout=30)
        assert set(spooled(tmp_path)) == {message_key("HIS^CITY", c) for c in sent}

        # ... and the adt_hl7 feed loads the spool: every acknowledged message is in the warehouse, once.
        loaded = load_spool(warehouse, tmp_path, "tnt_mllp_crash", "count()")
        assert acked <= {r[0] for r in loaded} and all(r[1] == 1 for r in loaded)
    finally:
        if restarted.poll() is None:
            restarted.send_signal(signal.SIGTERM)
            out, err = restarted.communicate(timeout=30)
    assert restarted.returncode == 0 and out.startswith("stopped:"), err
    assert "ASHA" not in err and "SHARMA" not in err and "MRN" not in err  # no PHI in the listener's log


def test_a_message_holding_a_0x1c_byte_is_stored_whole_where_the_feed_reads_it_whole(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    odd = adt("FS1", extra="\x1c")  # the end block's first byte, alone, inside the message
    plain = adt("FS2")

    async def scenario() -> None:
        async with listening(tmp_path) as (_, port):
            acks = await exchange(port, odd, plain)
        assert [msa(a) for a in acks] == [("AA", "FS1"), ("AA", "FS2")]

    run(scenario())
    assert spooled(tmp_path) == {message_key("HIS^CITY", "FS1"): odd, message_key("HIS^CITY", "FS2"): plain}
    loaded = load_spool(warehouse, tmp_path, "tnt_mllp_fs", "max(position(raw, char(28)) > 0)")
    assert loaded == [("FS1", 1), ("FS2", 0)]


def test_the_listener_writes_its_interval_counts_as_an_event_the_booking_events_feed_loads(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    """Two messages stored, one resent (AA again), one not ADT (AR), one without MSH-10 (AE), over two
    connections: the event written when the listener stops says so, and the booking_events feed loads it."""
    no_control_id = adt("X").replace(b"|X|P|", b"||P|")
    oru = adt("CTL0003").replace(b"ADT^A01^ADT_A01", b"ORU^R01^ORU_R01")

    async def scenario() -> list[tuple[str, str]]:
        listener = Listener(tmp_path, clock=lambda: FIXED_NOW, tenant_id="t_ops")
        _, port = await listener.start("127.0.0.1", 0)
        try:
            acks = await exchange(port, adt("CTL0001"), adt("CTL0002"), adt("CTL0001"))
            acks += await exchange(port, oru, no_control_id)
        finally:
            await listener.close()
        return [msa(a) for a in acks]

    answers = asyncio.run(scenario())
    assert [code for code, _ in answers] == ["AA", "AA", "AA", "AR", "AE"]
    (written,) = (tmp_path / "events").glob("*.ndjson")
    event = json.loads(written.read_text())
    assert event["type"] == "ops.mllp.listener.interval" and event["tenantid"] == "t_ops"
    assert event["time"] == "2026-11-03T04:30:00Z"
    data = event["data"]
    assert data["listener"].startswith("127.0.0.1:")
    counts = {k: data[k] for k in ("accepted", "duplicates", "rejected", "errors", "connections")}
    assert counts == {"accepted": 2, "duplicates": 1, "rejected": 1, "errors": 1, "connections": 2}
    assert data["connections_open"] == 0
    # no message content in it: no patient name, no MRN
    assert "SHARMA" not in written.read_text() and "MRN" not in written.read_text()

    create_raw_tables(warehouse)
    result = load_file(warehouse, BOOKING_EVENTS, written, LoadContext("t_ops"), source=written.name)
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 1, 0)


def test_a_listener_with_nothing_to_report_writes_no_event(tmp_path: Path) -> None:
    async def scenario() -> None:
        listener = Listener(tmp_path, clock=lambda: FIXED_NOW, tenant_id="t_ops")
        await listener.start("127.0.0.1", 0)
        await listener.close()

    asyncio.run(scenario())
    assert not list((tmp_path / "events").glob("*"))


def test_an_event_that_cannot_be_written_leaves_its_counts_to_the_next(tmp_path: Path) -> None:
    async def scenario() -> None:
        listener = Listener(tmp_path, clock=lambda: FIXED_NOW, tenant_id="t_ops")
        _, port = await listener.start("127.0.0.1", 0)
        try:
            await exchange(port, adt("CTL0001"))
            (tmp_path / "events").write_text("in the way")  # a file where the folder goes: the write fails
            assert listener.emit_ops_event() is None
            (tmp_path / "events").unlink()
            await exchange(port, adt("CTL0002"))
        finally:
            await listener.close()

    asyncio.run(scenario())
    (written,) = (tmp_path / "events").glob("*.ndjson")
    data = json.loads(written.read_text())["data"]
    assert (data["accepted"], data["connections"]) == (2, 2)
