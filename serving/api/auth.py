"""Who is calling: the tenant of an API key (`X-API-Key`), looked up by its SHA-256 in the key file.

The file is read again when it changes (its size or modification time), so `mymedic api keys add` and
`revoke` take effect without a restart.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from booking.domain.errors import Unauthorized
from serving.api.keys import KeyFile, read_keys


@dataclass(frozen=True, slots=True)
class Caller:
    tenant_id: str
    label: str


class KeyRing:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._keys = KeyFile()

    def _current(self) -> KeyFile:
        try:
            stat = os.stat(self.path)
            stamp: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            stamp = None
        with self._lock:
            if stamp != self._stamp:
                self._keys = read_keys(self.path)
                self._stamp = stamp
            return self._keys

    def caller(self, key: str | None) -> Caller:
        if not key:
            raise Unauthorized("send your API key in the X-API-Key header (mymedic api keys add makes one)")
        record = self._current().find(key)
        if record is None:
            raise Unauthorized("the API key is not valid (revoked, mistyped, or for another deployment)")
        return Caller(tenant_id=record.tenant, label=record.label)
