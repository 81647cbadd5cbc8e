"""The asyncio MLLP server: python-hl7's `hl7.mllp` streams, a bounded frame size, and a spool writer that
group-commits the messages of concurrent senders (one folder fsync per batch) before each gets its AA.

One message at a time per connection (MLLP's original mode: the sender waits for the ACK). A frame larger
than `max_bytes`, or bytes that are not an MLLP frame, gets AR with an ERR and the connection is closed:
the stream cannot be trusted after it. Logs name the sender (MSH-3^MSH-4) and control id only, never
content.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from hl7.mllp import start_hl7_server

from ingestion.mllp.ack import AckBuilder, Clock, _utc_now
from ingestion.mllp.header import INTERNAL_ERROR, SEGMENT_SEQUENCE_ERROR, Header, HeaderCache, Refused
from ingestion.mllp.ops_events import DEFAULT_INTERVAL_SECONDS, OpsEvents, Totals
from ingestion.mllp.spool import Spool, message_key

log = logging.getLogger("mymedic.adt.mllp")

START_BLOCK = b"\x0b"
END = b"\x1c\r"
DEFAULT_MAX_BYTES = 1024 * 1024
# With max_bytes, bounds what all connections together may buffer (about 2 x max_bytes each).
DEFAULT_MAX_CONNECTIONS = 256
MAX_BATCH = 1024  # messages per group commit
PUBLISH_IDLE_SECONDS = 1.0  # the open spool segment is published after this long without a message
VALUE_TOO_LONG = ("104", "Value too long")
LINGER_SECONDS = 2.0  # after an AR that closes the connection: how long unread input is discarded
LINGER_BYTES = 8 * 1024 * 1024  # and how much of it at most


@dataclass
class Counts:
    accepted: int = 0
    duplicates: int = 0
    refused: int = 0  # rejected + errors
    rejected: int = 0  # AR
    errors: int = 0  # AE
    connections: int = 0
    by_code: dict[str, int] = field(default_factory=dict)

    def totals(self) -> Totals:
        return Totals(
            accepted=self.accepted,
            duplicates=self.duplicates,
            rejected=self.rejected,
            errors=self.errors,
            connections=self.connections,
        )


class FramingError(Exception):
    pass


class SpoolWriter:
    """Stores messages handed in by connections, in batches on a worker thread (the event loop keeps
    serving other senders while a batch is fsync'd)."""

    def __init__(self, spool: Spool) -> None:
        self.spool = spool
        self._queue: asyncio.Queue[tuple[str, bytes, asyncio.Future[bool]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def store(self, name: str, data: bytes) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        await self._queue.put((name, data, future))
        return await future

    async def _run(self) -> None:
        while True:
            try:
                async with asyncio.timeout(PUBLISH_IDLE_SECONDS):
                    first = await self._queue.get()
            except TimeoutError:  # idle: publish the open segment, so that the feed's sensor sees it
                await asyncio.to_thread(self.spool.publish)
                continue
            batch = [first]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                results = await asyncio.to_thread(self.spool.store, [(n, d) for n, d, _ in batch])
            except OSError as error:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, _, future), stored in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(stored)


class Listener:
    def __init__(
        self,
        data_dir: Path,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        clock: Clock = _utc_now,
        tenant_id: str = "",
        ops_interval: float = DEFAULT_INTERVAL_SECONDS,
    ) -> None:
        """With a `tenant_id`, the listener writes its operational events (ingestion/mllp/ops_events.py)
        every `ops_interval` seconds and when it closes."""
        self.data_dir = data_dir
        self.tenant_id = tenant_id
        self.ops_interval = ops_interval
        self.clock = clock
        self.ops: OpsEvents | None = None
        self._ops_task: asyncio.Task[None] | None = None
        self.headers = HeaderCache()
        self.spool = Spool(data_dir, key_of=self._key_of)
        self.max_bytes = max_bytes
        self.max_connections = max_connections
        self._open = 0
        self.acks = AckBuilder(clock)
        self.counts = Counts()
        self._writer = SpoolWriter(self.spool)
        self._server: asyncio.Server | None = None

    def _key_of(self, content: bytes) -> str:
        """A stored message's key (the spool reads its files back when it opens)."""
        try:
            header = self.headers.read(content)
        except Refused:
            return ""
        return message_key(header.sender, header.control_id)

    @property
    def open_connections(self) -> int:
        return self._open

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen; returns the bound address (port 0 picks a free port)."""
        self._writer.start()
        # The stream's limit bounds what is buffered per connection; a frame over max_bytes is refused.
        self._server = await start_hl7_server(self._serve, host, port, limit=self.max_bytes + 16)
        address = self._server.sockets[0].getsockname()
        if self.tenant_id:
            name = f"{address[0]}:{address[1]}"
            self.ops = OpsEvents(self.data_dir, self.tenant_id, name, self.clock())
            self._ops_task = asyncio.get_running_loop().create_task(self._emit_every_interval())
        return address[0], address[1]

    async def _emit_every_interval(self) -> None:
        while True:
            await asyncio.sleep(self.ops_interval)
            self.emit_ops_event()

    def emit_ops_event(self) -> Path | None:
        """Write the operational event of the interval up to now, on the event loop (one small file a
        minute, no fsync); None when nothing happened, there is no tenant or the file could not be written."""
        if self.ops is None:
            return None
        try:
            return self.ops.emit(self.counts.totals(), self._open, self.clock())
        except OSError as error:
            log.warning(
                "operational event not written to %s (%s); its counts go into the next one",
                self.ops.folder,
                error.strerror or type(error).__name__,
            )
            return None

    async def serve_forever(self) -> None:
        assert self._server is not None
        async with self._server:
            await self._server.serve_forever()

    async def close(self) -> None:
        if self._server:
            self._server.close()
            await self._server.wait_closed()
        await self._writer.stop()
        self.spool.close()
        if self._ops_task:
            self._ops_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ops_task
        self.emit_ops_event()

    async def _read_frame(self, reader: asyncio.StreamReader) -> bytes | None:
        """The next frame's content, None at a clean end of stream."""
        try:
            block = await reader.readuntil(END)
        except asyncio.IncompleteReadError as error:
            if error.partial.strip():
                raise FramingError("the connection closed inside a frame (no end block 0x1C 0x0D)") from None
            return None
        except asyncio.LimitOverrunError:
            raise Refused("AR", VALUE_TOO_LONG, f"the frame is larger than {self.max_bytes} bytes") from None
        block = block[: -len(END)].lstrip(b" \t\r\n")
        if not block.startswith(START_BLOCK):
            raise Refused(
                "AR", SEGMENT_SEQUENCE_ERROR, "not an MLLP frame: it does not begin with the start block 0x0B"
            )
        content = block[1:]
        if START_BLOCK in content:
            raise Refused(
                "AR",
                SEGMENT_SEQUENCE_ERROR,
                "a start block 0x0B inside a frame: an earlier frame was never ended",
            )
        if len(content) > self.max_bytes:
            raise Refused("AR", VALUE_TOO_LONG, f"the message is larger than {self.max_bytes} bytes")
        return content

    async def _serve(self, reader: asyncio.StreamReader, writer) -> None:
        self.counts.connections += 1
        peer = writer.get_extra_info("peername")
        if self._open >= self.max_connections:
            log.warning("connection from %s closed: %d connections open already", peer, self._open)
            writer.close()
            return
        self._open += 1
        try:
            while True:
                try:
                    content = await self._read_frame(reader)
                except Refused as refused:  # framing or size: answer, then close the connection
                    self._refused(refused, peer)
                    await self._send(writer, self.acks.refuse(refused), None)
                    await self._linger(reader, writer)
                    break
                if content is None:
                    break
                answer, header = await self._handle(content)
                await self._send(writer, answer, header)
        except FramingError as error:
            log.warning("connection from %s: %s", peer, error)
        except (ConnectionError, asyncio.IncompleteReadError) as error:
            log.info("connection from %s dropped: %s", peer, type(error).__name__)
        finally:
            self._open -= 1
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _linger(self, reader: asyncio.StreamReader, writer) -> None:
        """Half-close, then read and discard what the sender is still sending (bounded in bytes and time)
        before closing: closing with unread bytes would reset the connection and the sender could lose
        the AR it has not read yet."""
        if writer.can_write_eof():
            writer.write_eof()
        discarded = 0
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(LINGER_SECONDS):
                while discarded < LINGER_BYTES and (chunk := await reader.read(64 * 1024)):
                    discarded += len(chunk)

    async def _handle(self, content: bytes) -> tuple[str, Header | None]:
        try:
            return await self._accept(content)
        except Exception as error:  # never drop a sender without an answer: AE, and it may resend
            log.exception("unexpected %s handling a message; answered AE", type(error).__name__)
            refused = Refused("AE", INTERNAL_ERROR, f"the listener failed on this message ({type(error).__name__}); resend it or call the platform team")  # fmt: skip
            self._refused(refused, None)
            return self.acks.refuse(refused), None

    async def _accept(self, content: bytes) -> tuple[str, Header | None]:
        try:
            header = self.headers.read(content)
        except Refused as refused:
            self._refused(refused, None)
            return self.acks.refuse(refused), refused.header
        try:
            stored = await self._writer.store(message_key(header.sender, header.control_id), content)
        except OSError as error:
            refused = Refused(
                "AE",
                INTERNAL_ERROR,
                f"the message could not be stored ({error.strerror or type(error).__name__}); resend it",
                header=header,
            )
            log.error(
                "control_id=%s sender=%s not stored: %s", header.control_id, header.sender, error.strerror
            )
            self.counts.refused += 1
            self.counts.errors += 1
            return self.acks.refuse(refused), header
        if stored:
            self.counts.accepted += 1
            log.debug("accepted control_id=%s sender=%s", header.control_id, header.sender)
        else:
            self.counts.duplicates += 1
            log.info(
                "duplicate control_id=%s sender=%s: stored once, acknowledged again",
                header.control_id,
                header.sender,
            )
        return self.acks.accept(header), header

    def _refused(self, refused: Refused, peer: object) -> None:
        self.counts.refused += 1
        if refused.ack_code == "AR":
            self.counts.rejected += 1
        else:
            self.counts.errors += 1
        code = refused.condition[0]
        self.counts.by_code[code] = self.counts.by_code.get(code, 0) + 1
        header = refused.header
        if header:
            log.warning(
                "%s control_id=%s sender=%s: %s",
                refused.ack_code,
                header.control_id,
                header.sender,
                refused.reason,
            )
        else:
            log.warning("%s from %s: %s", refused.ack_code, peer or "a sender", refused.reason)

    @staticmethod
    async def _send(writer, ack: str, header: Header | None) -> None:
        encoding = (header.codec if header else None) or "latin-1"
        writer.writeblock(ack.encode(encoding, "replace"))
        await writer.drain()
