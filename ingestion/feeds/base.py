"""What every feed declares: its name, raw table, where its files live, and how to read one file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from ingestion.records import Record, TextRecord
from ingestion.tables import RawTable


@dataclass(frozen=True)
class LoadContext:
    tenant_id: str  # the clinic chain whose files these are (feeds without their own tenant column use it)


class Feed:
    name: ClassVar[str]
    table: ClassVar[RawTable]
    folder: ClassVar[str]  # relative to a data directory
    patterns: ClassVar[tuple[str, ...]]

    def files(self, data_dir: Path) -> list[Path]:
        """Every file in this feed's folder, sorted; files not matching `patterns` are read too and rejected."""
        folder = data_dir / self.folder
        if not folder.is_dir():
            return []
        return sorted(f for f in folder.iterdir() if f.is_file() and not f.name.startswith("."))

    def accepts(self, path: Path) -> bool:
        return any(path.match(pattern) for pattern in self.patterns)

    def table_for(self, path: Path) -> RawTable:
        """The raw table a file loads into (one per feed, except reference data)."""
        return self.table

    # A feed either parses each row in Python (`read`, for small feeds: clear errors, any logic), or
    # splits rows into text (`read_text`) and lets the warehouse cast and validate them in one vectorised
    # query (`validation_sql`), for large feeds. `text_columns` returns None for the Python way.

    def read(self, path: Path, context: LoadContext) -> Iterator[Record]:
        raise NotImplementedError

    def text_columns(self, path: Path) -> list[str] | None:
        return None

    def read_text(self, path: Path, context: LoadContext) -> Iterator[TextRecord]:
        raise NotImplementedError

    def validation_sql(self, path: Path, context: LoadContext) -> str:
        """SELECT over `{text}` giving the raw table's columns, `_source_line`, `_raw_line`, `_reason`."""
        raise NotImplementedError

    def rejected_records(self, path: Path, after_line: int) -> Iterator[Record]:
        """What goes to the quarantine when the file is rejected after `after_line`: each line left."""
        with path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                text = raw.decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r\n")
                if number > after_line and text.strip():
                    yield Record(number, text)
