"""HL7 v2 ADT files: single messages, batches (FHS/BHS) and MLLP-framed files, parsed with python-hl7."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from ingestion.feeds.base import LoadContext
from ingestion.records import FileRejected, Frame, Record
from ingestion.spec import TableSpec


class AdtHl7Reader:
    kind: Literal["python"] = "python"

    def unit(self, path: Path) -> str:
        return "document"

    def records(self, path: Path, table: TableSpec, context: LoadContext) -> Iterator[Record | Frame]:
        raise FileRejected("this ADT format is not read yet (issue 11 in progress); the file is kept")
        yield  # pragma: no cover
