"""The finance export of an empty mart: header rows, zero totals, no crash; a missing mart is an error."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from core.warehouse import Warehouse
from exports import write_finance_exports


@pytest.fixture(scope="module")
def warehouse(module_warehouse: Warehouse, make_mart) -> Warehouse:
    make_mart(module_warehouse, [], beside=False)  # no branches, branch days or quarantine either
    return module_warehouse


def test_empty_mart_gives_headers_only(warehouse: Warehouse, tmp_path: Path) -> None:
    csv_path, xlsx_path = write_finance_exports(warehouse, tmp_path)

    data = csv_path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbftenant_id,branch_id,branch_name,") and data.count(b"\n") == 1
    with csv_path.open(encoding="utf-8-sig", newline="") as f:
        [header] = list(csv.reader(f))
    assert "booked_amount_inr" in header and "event_at_ist" in header

    wb = openpyxl.load_workbook(xlsx_path)
    assert wb.sheetnames == ["Summary", "Exceptions", "Open items", "Detail", "Quarantine", "Legend"]
    for title in ("Detail", "Exceptions", "Open items"):
        rows = list(wb[title].iter_rows(values_only=True))
        assert len(rows) == 1 and rows[0][0] == "Branch", title
    summary = wb["Summary"]
    assert summary["A1"].value == "Payment reconciliation — no rows — as of date not known"
    grand = [r for r in summary.iter_rows(values_only=True) if r[2] == "All types"]
    assert len(grand) == 1
    assert grand[0][:4] == ("All branches", "All statuses", "All types", 0)
    assert [Decimal(str(v)) for v in grand[0][4:]] == [Decimal(0)] * 6
    assert next(wb["Legend"].iter_rows(min_row=2, values_only=True))[0] == "matched"


def test_empty_export_is_reproducible(warehouse: Warehouse, tmp_path: Path) -> None:
    first = [p.read_bytes() for p in write_finance_exports(warehouse, tmp_path / "a")]
    second = [p.read_bytes() for p in write_finance_exports(warehouse, tmp_path / "b")]
    assert first == second


def test_missing_mart_is_a_clear_error(warehouse: Warehouse, tmp_path: Path, make_mart) -> None:
    warehouse.command(f"drop table `{warehouse.db('marts')}`.fct_payment_reconciliation")
    try:
        with pytest.raises(LookupError, match="fct_payment_reconciliation does not exist"):
            write_finance_exports(warehouse, tmp_path)
        assert not (tmp_path / "finance" / "payment_reconciliation.csv").exists()
    finally:
        make_mart(warehouse, [], beside=False)


def test_a_mart_without_summary_columns_leaves_earlier_files_alone(
    warehouse: Warehouse, tmp_path: Path, make_mart
) -> None:
    csv_path, xlsx_path = write_finance_exports(warehouse, tmp_path)
    before = csv_path.read_bytes(), xlsx_path.read_bytes()
    marts = warehouse.db("marts")
    warehouse.command(f"alter table `{marts}`.fct_payment_reconciliation drop column status")
    try:
        with pytest.raises(LookupError, match="no column\\(s\\) status"):
            write_finance_exports(warehouse, tmp_path)
    finally:
        make_mart(warehouse, [], beside=False)
    assert (csv_path.read_bytes(), xlsx_path.read_bytes()) == before
    assert sorted(p.name for p in csv_path.parent.iterdir()) == [csv_path.name, xlsx_path.name]
