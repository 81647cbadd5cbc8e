"""The finance export end to end: a hand-made mart in chDB, the real files, read back independently."""

from __future__ import annotations

import csv
import time
import zipfile
from collections import defaultdict
from contextlib import closing
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from core.warehouse import Warehouse
from exports import write_finance_exports
from exports.mart_reader import MartReader
from exports.reconciliation_workbook import ReconciliationWorkbook

AS_OF = date(2026, 10, 30)
AMOUNTS = ["booked_amount_paise", "gateway_amount_paise", "fee_paise", "tax_paise", "net_settled_paise"]
SORT_KEY = ("tenant_id", "branch_id", "entity_type", "entity_id")


@pytest.fixture(scope="module")
def warehouse(module_warehouse: Warehouse, make_mart, mart_rows: list[dict[str, Any]]) -> Warehouse:
    make_mart(module_warehouse, mart_rows)
    return module_warehouse


@pytest.fixture(scope="module")
def export_dir(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("exports")
    paths = write_finance_exports(warehouse, base, as_of=AS_OF)
    assert paths == [
        base / "finance" / "payment_reconciliation.csv",
        base / "finance" / "payment_reconciliation.xlsx",
    ]
    return base / "finance"


@pytest.fixture(scope="module")
def workbook(export_dir: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(export_dir / "payment_reconciliation.xlsx")


def in_export_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: tuple(r[k] for k in SORT_KEY))


def expected_csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def paise(rupees: object) -> int | None:
    """A rupee cell back to paise, through its decimal text (no float arithmetic)."""
    if rupees is None:
        return None
    exact = Decimal(str(rupees)) * 100
    assert exact == exact.to_integral_value(), rupees
    return int(exact)


def sheet_rows(ws) -> list[list[object]]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def sheet_dicts(ws) -> list[dict[str, object]]:
    header, *rows = sheet_rows(ws)
    return [dict(zip(header, row, strict=True)) for row in rows]


# --- CSV ---------------------------------------------------------------------------------------------


def test_csv_holds_every_row_exactly(export_dir: Path, mart_rows, mart_column_names) -> None:
    with (export_dir / "payment_reconciliation.csv").open(encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header == mart_column_names
    expected = [[expected_csv_text(row[c]) for c in mart_column_names] for row in in_export_order(mart_rows)]
    assert rows == expected
    by_id = {r[mart_column_names.index("entity_id")]: dict(zip(header, r, strict=True)) for r in rows}
    assert by_id["pay_B1"]["settled_at"] == "2026-10-03T20:00:00Z"
    assert by_id["pay_B3"]["gateway_amount_paise"] == ""
    assert by_id["rfnd_P1"]["net_settled_paise"] == "-12345"
    assert by_id["pay_B2"]["booked_amount_paise"] == "75050"


def test_csv_is_utf8_with_newline_line_ends(export_dir: Path, mart_rows) -> None:
    data = (export_dir / "payment_reconciliation.csv").read_bytes()
    assert b"\r" not in data
    assert not data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8")
    assert "fee ₹40.00 differs" in text
    assert text.endswith("\n")
    assert text.count("\n") == len(mart_rows) + 1  # no reason holds a line break
    # a value with commas and quotes is quoted, not split
    assert '"refund 200.00 not deducted by any settlement, 9 days after ""initiated"""' in text


# --- workbook ----------------------------------------------------------------------------------------


def test_workbook_has_the_three_sheets(workbook) -> None:
    assert workbook.sheetnames == ["Summary", "Detail", "Exceptions"]
    assert workbook.properties.creator == "MyMedic"
    assert workbook.properties.created == datetime(2026, 10, 30)
    assert workbook.properties.modified == datetime(2026, 10, 30)


def test_summary_title_says_tenant_date_and_what_it_holds(workbook, mart_rows) -> None:
    ws = workbook["Summary"]
    assert ws["A1"].value == "Payment reconciliation — t_acme — as of 2026-10-30"
    notes = " ".join(str(ws.cell(row=r, column=1).value) for r in range(2, 6))
    assert "Confidential financial data" in notes
    assert "no clinical data" in notes
    non_matched = sum(r["status"] != "matched" for r in mart_rows)
    assert f"({len(mart_rows)} rows), on sheet Detail." in notes
    assert f"({non_matched} rows), on sheet Exceptions." in notes


def summary_lines(ws) -> list[list[object]]:
    rows = sheet_rows(ws)
    header_at = next(i for i, r in enumerate(rows) if r[:3] == ["Branch", "Status", "Count"])
    assert rows[header_at][3:] == [
        "Booked amount (₹)",
        "Gateway amount (₹)",
        "Fees (₹)",
        "Tax (₹)",
        "Net settled (₹)",
    ]
    return [r for r in rows[header_at + 1 :] if r[0] is not None]


def expected_totals(rows: list[dict[str, Any]], key) -> dict[Any, list[int]]:
    totals: dict[Any, list[int]] = defaultdict(lambda: [0] * (1 + len(AMOUNTS)))
    for row in rows:
        t = totals[key(row)]
        t[0] += 1
        for i, column in enumerate(AMOUNTS, 1):
            t[i] += row[column] or 0
    return dict(totals)


def as_totals(line: list[object]) -> list[int]:
    return [line[2], *(paise(v) for v in line[3:])]


def test_summary_totals_per_status_equal_the_inserted_rows(workbook, mart_rows) -> None:
    lines = summary_lines(workbook["Summary"])
    per_status = {line[1]: as_totals(line) for line in lines if line[0] == "All branches"}
    grand = per_status.pop("All statuses")
    assert per_status == expected_totals(mart_rows, lambda r: r["status"])
    assert grand == expected_totals(mart_rows, lambda r: "all")["all"]
    assert grand[0] == len(mart_rows)
    statuses = [line[1] for line in lines if line[0] == "All branches"]
    assert statuses[0] == "matched" and statuses[-1] == "All statuses"


def test_summary_branch_by_status(workbook, mart_rows) -> None:
    lines = summary_lines(workbook["Summary"])
    per_branch = {(line[0], line[1]): as_totals(line) for line in lines if line[0] != "All branches"}
    assert per_branch == expected_totals(mart_rows, lambda r: (r["branch_id"], r["status"]))
    assert [key[0] for key in per_branch] == sorted(key[0] for key in per_branch)


def test_summary_amounts_are_formatted_rupees(workbook) -> None:
    ws = workbook["Summary"]
    header_row = next(r for r in range(1, 20) if ws.cell(row=r, column=1).value == "Branch")
    first = ws.cell(row=header_row + 1, column=4)
    assert "₹" in first.number_format and "#,##0.00" in first.number_format


def test_detail_holds_every_row_in_rupees_and_ist(workbook, mart_rows, mart_column_names) -> None:
    rows = sheet_dicts(workbook["Detail"])
    expected = in_export_order(mart_rows)
    assert [r["entity_id"] for r in rows] == [r["entity_id"] for r in expected]
    for got, want in zip(rows, expected, strict=True):
        for column in AMOUNTS:
            assert paise(got[column.removesuffix("_paise") + " (₹)"]) == want[column]
        settled = want["settled_at"]
        ist = None if settled is None else (settled + timedelta(hours=5, minutes=30)).replace(tzinfo=None)
        assert got["settled_at (IST)"] == ist
        bank = got["bank_credit_date"]
        assert (bank.date() if bank else None) == want["bank_credit_date"]
        assert got["age_days"] == want["age_days"]
        assert (got["exception_reason"] or "") == want["exception_reason"]
    header = sheet_rows(workbook["Detail"])[0]
    assert len(header) == len(mart_column_names)
    pay_b1 = next(r for r in rows if r["entity_id"] == "pay_B1")
    assert pay_b1["settled_at (IST)"] == datetime(2026, 10, 4, 1, 30)


def test_detail_cells_carry_formats(workbook) -> None:
    ws = workbook["Detail"]
    header = [c.value for c in ws[1]]
    rows = list(ws.iter_rows(min_row=2))
    booked = [row[header.index("booked_amount (₹)")] for row in rows]
    settled = [row[header.index("settled_at (IST)")] for row in rows]
    assert all(
        "₹" in c.number_format and "#,##0.00" in c.number_format for c in booked if c.value is not None
    )
    assert all(c.number_format == "yyyy-mm-dd hh:mm:ss" for c in settled if c.value is not None)
    assert any(c.value is None for c in booked) and any(c.value is not None for c in booked)
    assert ws.column_dimensions["W"].width == 60  # exception_reason


def test_exceptions_are_exactly_the_rows_not_matched(workbook, mart_rows) -> None:
    rows = sheet_dicts(workbook["Exceptions"])
    expected = [r for r in in_export_order(mart_rows) if r["status"] != "matched"]
    assert [(r["entity_id"], r["status"]) for r in rows] == [(r["entity_id"], r["status"]) for r in expected]
    assert [(r["exception_reason"], r["aging_bucket"]) for r in rows] == [
        (r["exception_reason"], r["aging_bucket"]) for r in expected
    ]


def test_headers_frozen_and_filtered(workbook, mart_rows) -> None:
    non_matched = sum(r["status"] != "matched" for r in mart_rows)
    assert workbook["Detail"].freeze_panes == "A2"
    assert workbook["Detail"].auto_filter.ref == f"A1:X{len(mart_rows) + 1}"
    assert workbook["Exceptions"].freeze_panes == "A2"
    assert workbook["Exceptions"].auto_filter.ref == f"A1:X{non_matched + 1}"
    summary = workbook["Summary"]
    branch_status = len({(r["branch_id"], r["status"]) for r in mart_rows})
    assert summary.freeze_panes == "A8"
    assert summary["A7"].value == "Branch"
    assert summary.auto_filter.ref == f"A7:H{7 + branch_status}"


def test_text_that_looks_like_a_formula_stays_text(export_dir: Path, workbook) -> None:
    with zipfile.ZipFile(export_dir / "payment_reconciliation.xlsx") as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in z.read(n) for n in sheets)
    reasons = [r["exception_reason"] for r in sheet_dicts(workbook["Exceptions"])]
    assert "=bank credit 1,000.00 differs from settlement net 996.42" in reasons
    # and editing the cell in Excel keeps it text: the quote prefix, as if typed with a leading '
    cells = [c for row in workbook["Detail"].iter_rows() for c in row if str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)


# --- reproducible ------------------------------------------------------------------------------------


def test_two_runs_write_the_same_bytes(warehouse: Warehouse, export_dir: Path, tmp_path: Path) -> None:
    time.sleep(2.1)  # a zip entry time has 2-second steps: a later run must not show up in the bytes
    again = write_finance_exports(warehouse, tmp_path, as_of=AS_OF)
    for path in again:
        assert path.read_bytes() == (export_dir / path.name).read_bytes(), path.name
    # and once more over the files already there
    write_finance_exports(warehouse, tmp_path, as_of=AS_OF)
    for path in again:
        assert path.read_bytes() == (export_dir / path.name).read_bytes(), path.name
    assert sorted(p.name for p in (tmp_path / "finance").iterdir()) == [
        "payment_reconciliation.csv",
        "payment_reconciliation.xlsx",
    ]  # no temporary file left behind


def test_zip_entries_carry_fixed_times(export_dir: Path) -> None:
    with zipfile.ZipFile(export_dir / "payment_reconciliation.xlsx") as z:
        infos = z.infolist()
        assert infos[0].filename == "[Content_Types].xml"
        assert {i.date_time for i in infos} == {(2026, 10, 30, 0, 0, 0)}
        assert {i.compress_type for i in infos} == {zipfile.ZIP_DEFLATED}
        core = z.read("docProps/core.xml").decode()
    assert "2026-10-30T00:00:00Z" in core and "<dc:creator>MyMedic</dc:creator>" in core


# --- as of -------------------------------------------------------------------------------------------


def test_as_of_defaults_to_the_marts_as_of_date(warehouse: Warehouse, tmp_path: Path) -> None:
    _, xlsx = write_finance_exports(warehouse, tmp_path)
    assert openpyxl.load_workbook(xlsx)["Summary"]["A1"].value.endswith("as of 2026-10-31")
    with zipfile.ZipFile(xlsx) as z:
        assert "2026-10-31T00:00:00Z" in z.read("docProps/core.xml").decode()


def test_as_of_unknown_for_an_empty_mart(
    module_warehouse: Warehouse, make_mart, mart_rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    make_mart(module_warehouse, [])
    try:
        _, xlsx = write_finance_exports(module_warehouse, tmp_path)
    finally:
        make_mart(module_warehouse, mart_rows)  # the module's other tests share this mart
    wb = openpyxl.load_workbook(xlsx)
    assert wb["Summary"]["A1"].value == "Payment reconciliation — no rows — as of date not known"
    with zipfile.ZipFile(xlsx) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


# --- Excel's row limit -------------------------------------------------------------------------------


def test_detail_splits_across_sheets_at_the_row_limit(
    warehouse: Warehouse, tmp_path: Path, mart_rows
) -> None:
    reader = MartReader(warehouse)
    columns = reader.columns()
    book = ReconciliationWorkbook(columns, max_rows_per_sheet=5)  # a header and 4 rows per sheet
    with closing(reader.row_blocks(columns)) as blocks:
        for block in blocks:
            book.add_rows(block)
    target = tmp_path / "split.xlsx"
    book.save(target, scratch=tmp_path / "scratch.xlsx", as_of=AS_OF, source="test")

    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == [
        "Summary",
        "Detail",
        "Detail (2)",
        "Detail (3)",
        "Detail (4)",
        "Exceptions",
        "Exceptions (2)",
        "Exceptions (3)",
    ]
    detail = [r for title in wb.sheetnames if title.startswith("Detail") for r in sheet_dicts(wb[title])]
    assert [r["entity_id"] for r in detail] == [r["entity_id"] for r in in_export_order(mart_rows)]
    assert all(
        wb[t].freeze_panes == "A2" and sheet_rows(wb[t])[0][0] == "tenant_id" for t in wb.sheetnames[1:]
    )
    assert wb["Detail (4)"].auto_filter.ref == "A1:X2"
    notes = " ".join(str(wb["Summary"].cell(row=r, column=1).value) for r in range(2, 6))
    assert "split across sheets Detail, Detail (2), Detail (3), Detail (4)" in notes
    assert "split across sheets Exceptions, Exceptions (2), Exceptions (3)" in notes
