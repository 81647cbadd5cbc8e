"""core.reproducible_xlsx: XlsxWriter workbooks with rows spliced in, the same bytes every time."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from core.reproducible_xlsx import SheetRows, column_pixels, new_workbook, number_styles, repackage


def write(folder: Path, *, as_of: date | None) -> Path:
    folder.mkdir()
    rows = folder / "rows.xml"
    rows.write_text(
        '<row r="2"><c r="A2" s="1"><v>450.10</v></c><c r="B2" t="inlineStr"><is><t>x</t></is></c></row>'
    )
    workbook = new_workbook(folder / "scratch.xlsx", title="T", as_of=as_of, tmpdir=folder)
    rupees = workbook.add_format({"num_format": '"₹"#,##0.00'})
    assert number_styles(workbook, [rupees]) == [1]
    sheet = workbook.add_worksheet("Big one")
    sheet.set_column_pixels(0, 0, column_pixels(60))
    sheet.write_string(0, 0, "amount (₹)")
    sheet.write_string(0, 1, "text")
    workbook.add_worksheet("Small").write_string(0, 0, "alone")
    workbook.close()
    target = folder / "book.xlsx"
    stamp = datetime(1980, 1, 1) if as_of is None else datetime(as_of.year, as_of.month, as_of.day)
    repackage(folder / "scratch.xlsx", target, timestamp=stamp, sheet_rows={"Big one": SheetRows(rows, 2, 2)})
    return target


def test_rows_are_spliced_with_their_styles_and_extent(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write(tmp_path / "a", as_of=date(2026, 10, 30)))
    big = book["Big one"]
    assert [[c.value for c in row] for row in big.iter_rows()] == [["amount (₹)", "text"], [450.1, "x"]]
    assert big["A2"].number_format == '"₹"#,##0.00'
    assert big.dimensions == "A1:B2"
    assert big.column_dimensions["A"].width == 60
    assert book["Small"]["A1"].value == "alone"
    assert book.properties.created == datetime(2026, 10, 30) and book.properties.creator == "MyMedic"


def test_same_content_same_bytes_and_fixed_entries(tmp_path: Path) -> None:
    first, second = write(tmp_path / "a", as_of=None), write(tmp_path / "b", as_of=None)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as package:
        infos = package.infolist()
    assert infos[0].filename == "[Content_Types].xml"
    assert {(i.date_time, i.external_attr, i.create_system) for i in infos} == {
        ((1980, 1, 1, 0, 0, 0), 0o600 << 16, 0)
    }


def test_rows_for_a_sheet_that_is_not_there(tmp_path: Path) -> None:
    target = write(tmp_path / "a", as_of=None)
    with pytest.raises(ValueError, match="no sheets"):
        repackage(
            target,
            tmp_path / "b.xlsx",
            timestamp=datetime(1980, 1, 1),
            sheet_rows={"Nope": SheetRows(target, 2, 2)},
        )
