"""Write the dictionary: data_dictionary.md, data_dictionary.csv and data_dictionary.xlsx.

The same dbt project and raw tables give the same Markdown and CSV bytes: rows are sorted, nothing
carries a time. The files are written beside their final paths and renamed into place together.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from core.atomic_files import AtomicFiles
from dictionary.catalog import Catalog
from dictionary.markdown import render_markdown
from dictionary.rows import COLUMN_HEADER, column_rows
from dictionary.workbook import write_workbook

DEFAULT_OUT = Path(".mymedic/dictionary")
MARKDOWN_NAME = "data_dictionary.md"
CSV_NAME = "data_dictionary.csv"
XLSX_NAME = "data_dictionary.xlsx"


def render_csv(catalog: Catalog) -> str:
    """UTF-8 text, `\\n` line ends, a header row, then one row per column."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMN_HEADER)
    writer.writerows(column_rows(catalog))
    return buffer.getvalue()


def write_dictionary(catalog: Catalog, out_dir: Path = DEFAULT_OUT) -> list[Path]:
    """Write the three files into `out_dir` (created if needed) and return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown, table = out_dir / MARKDOWN_NAME, out_dir / CSV_NAME
    workbook_path = out_dir / XLSX_NAME
    with AtomicFiles() as files:
        files.temp_for(markdown).write_text(render_markdown(catalog), encoding="utf-8", newline="")
        files.temp_for(table).write_text(render_csv(catalog), encoding="utf-8", newline="")
        write_workbook(catalog, files.temp_for(workbook_path))
    return [markdown, table, workbook_path]
