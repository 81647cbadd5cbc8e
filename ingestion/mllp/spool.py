"""The listener's durable spool, `<data_dir>/adt/mllp/`: the messages it accepted, MLLP-framed (`\\x0b` message
`\\x1c\\r`, the bytes exactly as received between the blocks), in segment files that the adt_hl7 feed loads
like any dropped MLLP-framed `.hl7` file.

Group commit, durable before acknowledged: the messages of a batch (from every connection) are appended to the
open segment, a hidden file (`.<name>.hl7.tmp`: the feeds never read hidden files), with one write and one
fdatasync for the whole batch; only then does the listener answer AA. A segment is published (renamed to its
final name, the folder fsync'd) when it is full (`SEGMENT_MESSAGES`), when the listener has been idle a
moment (the listener calls `publish`) and when it stops. After a crash, the next start publishes a leftover
open segment cut after its last whole frame: every acknowledged message was fdatasync'd whole; a torn tail
was never acknowledged.

Deduplicating: the spool keeps the keys (a hash of sender MSH-3^MSH-4 and control id MSH-10) of every message
it holds, read back from its files when it opens; a message whose key is there is not stored again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

SPOOL_FOLDER = Path("adt") / "mllp"
SUFFIX = ".hl7"
TEMP_PREFIX = "."
TEMP_SUFFIX = ".tmp"
START, END = b"\x0b", b"\x1c\r"
SEGMENT_MESSAGES = 20_000  # a segment is published when it holds this many messages
KeyOf = Callable[[bytes], str]  # a message's key ('' when it has none)


def spool_folder(data_dir: Path) -> Path:
    return data_dir / SPOOL_FOLDER


def message_key(sender: str, control_id: str) -> str:
    """What identifies a message in the spool: stable for the same sender and control id, whatever the content."""
    return hashlib.sha256(f"{sender}\x1f{control_id}".encode()).hexdigest()[:40]


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def framed_messages(data: bytes) -> Iterator[bytes]:
    """The messages of a spool file: its MLLP frames; a file that is not framed (a spool written before
    segments: one message per file, unframed) is one message."""
    if not data.startswith(START):
        if data.strip():
            yield data
        return
    pos = 0
    while (begin := data.find(START, pos)) >= 0 and (end := data.find(END, begin)) >= 0:
        yield data[begin + 1 : end]
        pos = end + len(END)


def spooled_messages(data_dir: Path) -> Iterator[tuple[Path, bytes]]:
    """Every message the spool's published files hold, with its file, in file name order."""
    folder = spool_folder(data_dir)
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        for message in framed_messages(path.read_bytes()):
            yield path, message


class Spool:
    """`key_of(message bytes) -> key` names a stored message (the listener reads its MSH with python-hl7);
    it is used when the spool opens, to know the messages already held."""

    def __init__(self, data_dir: Path, key_of: KeyOf | None = None) -> None:
        self.folder = spool_folder(data_dir)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._run = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + f"-{os.getpid()}"
        self._number = 0
        self._fd: int | None = None
        self._temp: Path | None = None
        self._final: Path | None = None
        self._count = 0
        self.recovered = self._recover()
        self.keys: set[str] = set(self._read_keys(key_of)) if key_of else set()

    # --- opening: a crashed run's open segment, and what the spool holds ----------------------------------

    def _recover(self) -> int:
        """Publish the open segments a crash left, cut after their last whole frame; returns how many."""
        stale = sorted(
            p
            for p in self.folder.iterdir()
            if p.name.startswith(TEMP_PREFIX) and p.name.endswith(TEMP_SUFFIX)
        )
        for temp in stale:
            data = temp.read_bytes()
            whole = data.rfind(END) + len(END) if data.startswith(START) and END in data else 0
            final = self.folder / temp.name[len(TEMP_PREFIX) : -len(TEMP_SUFFIX)]
            if whole == 0:
                temp.unlink()
                continue
            with temp.open("r+b") as fh:
                fh.truncate(whole)
                os.fsync(fh.fileno())
            os.replace(temp, final)
        if stale:
            _fsync_folder(self.folder)
        return len(stale)

    def _read_keys(self, key_of: KeyOf) -> Iterator[str]:
        for path in self.folder.glob(f"*{SUFFIX}"):
            stem = path.name[: -len(SUFFIX)]
            if len(stem) == 40 and all(c in "0123456789abcdef" for c in stem):
                yield stem  # a file of the spool before segments: named by its message's key
                continue
            for message in framed_messages(path.read_bytes()):
                key = key_of(message)
                if key:
                    yield key

    # --- storing --------------------------------------------------------------------------------------------

    def store(self, items: Sequence[tuple[str, bytes]]) -> list[bool]:
        """Store each (key, message bytes) not already in the spool, durably: one write and one fdatasync
        for the batch (group commit). True for each item stored now, False for one already there (a
        duplicate, also within the batch). When this returns, every item is on disk; when it raises, the
        caller must not acknowledge any of them (none is counted as held)."""
        stored: list[bool] = []
        fresh: list[str] = []
        chunks: list[bytes] = []
        alone: list[tuple[str, bytes]] = []
        for key, data in items:
            if key in self.keys or key in fresh:
                stored.append(False)
                continue
            fresh.append(key)
            stored.append(True)
            if END[:1] in data:  # a frame could not hold it: its own unframed file, named by its key
                alone.append((key, data))
            else:
                chunks += (START, data, END)
        for key, data in alone:
            self._store_alone(key, data)
        if not chunks:
            self.keys.update(fresh)
            return stored
        fd = self._open_segment()
        view = memoryview(b"".join(chunks))
        try:
            while view:
                view = view[os.write(fd, view) :]
            os.fdatasync(fd)
        except OSError:
            self._abandon_segment()  # what was written may be torn: the next batch starts a new segment
            raise
        self.keys.update(fresh)
        self._count += len(fresh)
        if self._count >= SEGMENT_MESSAGES:
            self.publish()
        return stored

    def _store_alone(self, key: str, data: bytes) -> None:
        """A message holding the end block's 0x1C byte, in a file of its own (written, fsync'd, renamed)."""
        temp = self.folder / f"{TEMP_PREFIX}{key}{SUFFIX}{TEMP_SUFFIX}"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, self.folder / f"{key}{SUFFIX}")
        _fsync_folder(self.folder)

    def _open_segment(self) -> int:
        if self._fd is None:
            self._number += 1
            name = f"{self._run}-{self._number:06d}{SUFFIX}"
            self._final = self.folder / name
            self._temp = self.folder / f"{TEMP_PREFIX}{name}{TEMP_SUFFIX}"
            self._fd = os.open(self._temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o640)
            _fsync_folder(self.folder)  # the segment's name is durable before anything in it is acknowledged
            self._count = 0
        return self._fd

    def _abandon_segment(self) -> None:
        """After a failed write: close the open segment and publish what is whole of it, as a restart
        would (the next batch opens a new one)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = self._temp = self._final = None
        self._recover()

    def publish(self) -> None:
        """Close the open segment and give it its final name (the feed's sensor then sees it)."""
        if self._fd is None:
            return
        fd, temp, final = self._fd, self._temp, self._final
        self._fd = self._temp = self._final = None
        os.close(fd)
        assert temp is not None and final is not None
        if self._count:
            os.replace(temp, final)
        else:
            temp.unlink()
        _fsync_folder(self.folder)

    def close(self) -> None:
        self.publish()
