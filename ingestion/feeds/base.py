"""A feed at run time: its spec (what it declares) and its reader (how one file becomes records).

A reader is of one explicit kind:
- `engine` (`EngineReader`): ClickHouse reads the file's bytes; the reader only writes SQL. `select_sql`
  selects from `{lines}` (CSV, NDJSON) or `{document}` (a JSON document) the raw table's data columns,
  `_source_line`, `_raw_line`, `_byte_offset`, `_byte_length` and `_reason` ('' for a good record).
- `python` (`PythonReader`): the reader parses each record in Python (small feeds; formats the engine
  can't parse, such as HL7 v2) and yields `Record`s.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from ingestion.records import Frame, Record
from ingestion.spec import FeedSpec, TableSpec


@dataclass(frozen=True)
class LoadContext:
    tenant_id: str  # the clinic chain whose files these are (feeds without their own tenant column use it)


class EngineReader(Protocol):
    kind: Literal["engine"]

    def unit(self, path: Path) -> str:
        """'lines' (a record per line) or 'document' (the file is one JSON document)."""
        ...

    def rejection_sql(self, path: Path) -> str:
        """'' or a SELECT over `{document}` giving why the whole file can't be read ('' when it can)."""
        ...

    def select_sql(self, path: Path, context: LoadContext) -> str | list[str]:
        """The validating SELECT (see the module docstring), or stages of it: each stage after the first
        reads the one before as `{prev}` (materialized, so a stage's columns are computed once). Raises
        FileRejected for a bad header."""
        ...


class PythonReader(Protocol):
    kind: Literal["python"]

    def unit(self, path: Path) -> str:
        """'lines' (a text file, a record per line) or 'document' (e.g. XLSX: rejected as one record)."""
        ...

    def records(self, path: Path, table: TableSpec, context: LoadContext) -> Iterator[Record | Frame]:
        """Every record of the file, parsed, and any line of its frame (a header block, a footer) as a
        `Frame`; raises FileRejected when the file can't be read at all."""
        ...


@dataclass(frozen=True)
class Feed:
    spec: FeedSpec
    reader: EngineReader | PythonReader

    def __post_init__(self) -> None:
        if self.reader.kind != self.spec.reader:
            raise ValueError(
                f"feed {self.spec.name}: spec says a {self.spec.reader} reader, got {self.reader.kind}"
            )

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def folder(self) -> str:
        return self.spec.folder

    @property
    def patterns(self) -> tuple[str, ...]:
        return self.spec.patterns

    @property
    def tables(self) -> tuple[TableSpec, ...]:
        return self.spec.tables

    def files(self, data_dir: Path) -> list[Path]:
        """Every file in this feed's folder, then in each of its declared subfolders, sorted within each;
        files not matching `patterns` are read too and rejected. Hidden files (a temporary file still being
        written is one), configuration files and undeclared subfolders are not read."""
        found: list[Path] = []
        root = data_dir / self.spec.folder
        folders = [root]
        for sub in self.spec.subfolders:
            matched = sorted(root.glob(sub)) if any(ch in sub for ch in "*?[") else [root / sub]
            folders += [
                f
                for f in matched
                if not f.name.startswith(".") and f.name not in self.spec.other_feeds_subfolders
            ]
        config = {*self.spec.config_files, *self.spec.source_config_files}
        for folder in folders:
            if folder.is_dir():
                found += sorted(
                    f
                    for f in folder.iterdir()
                    if f.is_file() and not f.name.startswith(".") and f.name not in config
                )
        return found

    def accepts(self, path: Path) -> bool:
        return self.spec.accepts(path)

    def table_for(self, path: Path) -> TableSpec:
        """The raw table a file loads into: the one table, or for a multi-table feed the table whose
        header file name (`<stem>.csv` in `spec.routes`) it has."""
        return self.spec.table_for(path)
