"""Workbooks written with XlsxWriter so that the same content always gives the same bytes, with room for
sheets of millions of rows.

XlsxWriter (constant-memory mode) writes the workbook: styles, sheets with their headers, widths, panes
and filters, and the small sheets whole. Writing a cell through XlsxWriter costs about 17 µs here, so
a million rows of two dozen columns take six minutes; big sheets' rows are rendered as worksheet XML
elsewhere instead (`exports.sheet_rows`), a file per sheet, and spliced in by `repackage`, which also
rewrites the package with fixed entry times, attributes, compression and order. The document's created
and modified times are midnight of the data's as-of date, so nothing in the file depends on when it ran.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell

CREATOR = "MyMedic"
CONTENT_TYPES = "[Content_Types].xml"
ZIP_EPOCH = datetime(1980, 1, 1)  # the earliest time a zip entry can carry
# zlib level 1 packs the XML of a million rows about three times faster than the default (6), for a
# file about a third larger; the export is written every run, so speed wins.
COMPRESS_LEVEL = 1
COPY_CHUNK = 1 << 20
ENTRY_MODE = 0o600  # what zipfile gives an entry written from bytes, whatever the umask
MAX_DIGIT_WIDTH = 7  # pixels: XlsxWriter's metric of the default font (Calibri 11)
SHEET_DATA_END = "</sheetData>"
WORKBOOK, WORKBOOK_RELS = "xl/workbook.xml", "xl/_rels/workbook.xml.rels"
SPREADSHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
OFFICE_RELS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')


def document_time(as_of: date | None) -> datetime:
    """Midnight (UTC) of `as_of`; the zip epoch when there is no date."""
    if as_of is None:
        return ZIP_EPOCH
    return max(datetime(as_of.year, as_of.month, as_of.day), ZIP_EPOCH)


def new_workbook(path: Path, *, title: str, as_of: date | None, tmpdir: Path) -> Workbook:
    """A constant-memory workbook at `path` whose document times are those of `as_of`."""
    workbook = Workbook(str(path), {"constant_memory": True, "tmpdir": str(tmpdir)})
    workbook.set_properties({"title": title, "author": CREATOR, "created": document_time(as_of)})
    return workbook


def column_pixels(width: float) -> int:
    """The pixel width XlsxWriter stores as `width="<width>"` (its `set_column(width)` adds the cell
    padding, 60 becoming 60.71), so columns keep the widths openpyxl wrote."""
    return round(width * MAX_DIGIT_WIDTH)


def number_styles(workbook: Workbook, formats: Sequence[Format]) -> list[int]:
    """Number `formats` as the workbook's styles 1, 2, ... (0 is the default), for rows rendered outside
    XlsxWriter, which refer to styles by number. XlsxWriter numbers a format when a cell first uses it;
    numbering them here, before any cell, makes the numbers fixed. Raises if XlsxWriter numbered
    anything before them."""
    numbers = [fmt._get_xf_index() for fmt in formats]  # the call XlsxWriter makes on a cell's format
    if numbers != list(range(1, len(formats) + 1)):
        raise RuntimeError(f"XlsxWriter numbered the row styles {numbers}, not 1..{len(formats)}")
    return numbers


@dataclass(frozen=True)
class SheetRows:
    """Rendered `<row>` elements (UTF-8, rows 2.. of the sheet) in `path`; `last_row` and `last_column`
    (1-based) give the sheet's extent, header included."""

    path: Path
    last_row: int
    last_column: int


def entry_order(name: str) -> tuple[bool, str]:
    """`[Content_Types].xml` first (as Office writes it), then by name."""
    return (name != CONTENT_TYPES, name)


def fixed_entry(name: str, timestamp: datetime) -> ZipInfo:
    info = ZipInfo(name, date_time=timestamp.timetuple()[:6])
    info.compress_type = ZIP_DEFLATED
    info._compresslevel = COMPRESS_LEVEL  # ZipFile.open(info, "w") takes the level from the ZipInfo
    info.create_system = 0
    info.external_attr = ENTRY_MODE << 16
    return info


def split_sheet(xml: str, rows: SheetRows) -> tuple[bytes, bytes]:
    """The sheet's XML before and after the place its rendered rows go (the end of `<sheetData>`),
    with its dimension widened to the rows."""
    head, end, tail = xml.partition(SHEET_DATA_END)
    if not end:
        raise ValueError("the sheet has no <sheetData> with a header row to append rows to")
    extent = f"A1:{xl_rowcol_to_cell(rows.last_row - 1, rows.last_column - 1)}"
    head = DIMENSION.sub(f'<dimension ref="{extent}"/>', head, count=1)
    return head.encode("utf-8"), (end + tail).encode("utf-8")


def sheet_entries(package: ZipFile) -> dict[str, str]:
    """Sheet title -> the package entry of its worksheet (`xl/worksheets/sheet1.xml`)."""
    targets = {
        rel.get("Id"): rel.get("Target", "")
        for rel in ET.fromstring(package.read(WORKBOOK_RELS)).iter(f"{{{PACKAGE_RELS_NS}}}Relationship")
    }
    return {
        sheet.get("name", ""): "xl/" + targets[sheet.get(f"{{{OFFICE_RELS_NS}}}id")].removeprefix("/xl/")
        for sheet in ET.fromstring(package.read(WORKBOOK)).iter(f"{{{SPREADSHEET_NS}}}sheet")
    }


def repackage(
    source: Path, target: Path, *, timestamp: datetime, sheet_rows: Mapping[str, SheetRows]
) -> None:
    """Copy the package `source` to `target` entry by entry with fixed times, attributes, compression
    and order, appending `sheet_rows[title]` to the rows of the sheet titled `title`."""
    with ZipFile(source) as zin, ZipFile(target, "w", allowZip64=True) as zout:
        entries = sheet_entries(zin)
        missing = set(sheet_rows) - set(entries)
        if missing:
            raise ValueError(f"the workbook has no sheets {sorted(missing)}")
        by_entry = {entries[title]: rows for title, rows in sheet_rows.items()}
        for name in sorted(zin.namelist(), key=entry_order):
            data = zin.read(name)
            info = fixed_entry(name, timestamp)
            rows = by_entry.get(name)
            if rows is None:
                zout.writestr(info, data)
                continue
            head, tail = split_sheet(data.decode("utf-8"), rows)
            # the size decides zip64 up front, so a large sheet gets the same layout every time
            info.file_size = len(head) + rows.path.stat().st_size + len(tail)
            with zout.open(info, "w") as writer, rows.path.open("rb") as reader:
                writer.write(head)
                shutil.copyfileobj(reader, writer, COPY_CHUNK)
                writer.write(tail)
