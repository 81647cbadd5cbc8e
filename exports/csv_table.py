"""Write rows to a CSV file as they stream in: UTF-8 with a byte order mark, `\\n` line ends, a header row.

The byte order mark is what makes Excel (double-click, or Data > From Text) read the file as UTF-8, so
`₹` and names in Indian scripts survive; other readers skip it (Python: `encoding="utf-8-sig"`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType

from exports.cell_values import csv_text


class CsvTable:
    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self._file = path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._writer.writerow(header)

    def write_rows(self, rows: Iterable[Sequence[object]]) -> None:
        self._writer.writerows([csv_text(value) for value in row] for row in rows)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> CsvTable:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
