"""Write files beside their final path and move them into place only when all of them are complete."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from types import TracebackType


class AtomicFiles:
    """`temp_for(path)` gives a temporary file in the same directory as `path`.

    On a clean exit every temporary file is synced and renamed over its final path (a reader never sees
    a half-written file); on an error every temporary file is removed and the old files stay as they were.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    def temp_for(self, final: Path, *, note: str = "") -> Path:
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = final.with_name(f".{final.name}.{note}{secrets.token_hex(6)}.tmp")
        temp.touch(exist_ok=False)  # created with the usual permissions (umask), unlike mkstemp's 0600
        self._pending.append((temp, final))
        return temp

    def scratch(self, final: Path, *, note: str) -> Path:
        """A temporary file next to `final` that is removed at exit, never renamed."""
        temp = self.temp_for(final, note=note)
        self._pending[-1] = (temp, temp)
        return temp

    def __enter__(self) -> AtomicFiles:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                self._commit()
        finally:
            for temp, _ in self._pending:
                temp.unlink(missing_ok=True)
            self._pending.clear()

    def _commit(self) -> None:
        renames = [(temp, final) for temp, final in self._pending if temp != final]
        for temp, _ in renames:
            with temp.open("rb") as f:
                os.fsync(f.fileno())
        for temp, final in renames:
            os.replace(temp, final)
