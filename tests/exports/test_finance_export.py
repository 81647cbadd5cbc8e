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
import yaml

from core.money import format_rupees
from core.settings import PROJECT_ROOT
from core.warehouse import Warehouse
from exports import write_finance_exports
from exports.mart_reader import MartReader
from exports.reconciliation_workbook import ReconciliationWorkbook
from exports.rupee_formats import RUPEE_FORMATS, magnitude_class
from exports.status_legend import BY_STATUS, LEGEND, StatusGroup

AS_OF = date(2026, 10, 30)
AMOUNTS = [
    "booked_amount_paise",
    "gateway_amount_paise",
    "gateway_fee_incl_tax_paise",
    "fee_paise",
    "tax_paise",
    "expected_fee_paise",
    "expected_tax_paise",
    "net_settled_paise",
]
SORT_KEY = ("tenant_id", "branch_id", "entity_type", "entity_id")
IST = timedelta(hours=5, minutes=30)
SHEETS = ["Summary", "Exceptions", "Open items", "Detail", "Branch settlements", "Quarantine", "Legend"]
MART_YAML = PROJECT_ROOT / "dbt_project" / "models" / "marts" / "fct_payment_reconciliation.yml"


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


@pytest.fixture(scope="module")
def csv_rows(export_dir: Path) -> tuple[list[str], list[dict[str, str]]]:
    with (export_dir / "payment_reconciliation.csv").open(encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f))
    return header, [dict(zip(header, row, strict=True)) for row in rows]


def in_export_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: tuple(r[k] for k in SORT_KEY))


def expected_csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.strftime("%Y-%m-%dT%H:%M:%S")
            + (f".{value.microsecond // 1000:03d}" if value.microsecond else "")
            + "Z"
        )
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


def sheet_rows(ws, first: int = 1) -> list[list[object]]:
    return [list(row) for row in ws.iter_rows(min_row=first, values_only=True)]


def sheet_dicts(ws, header_row: int = 1) -> list[dict[str, object]]:
    header, *rows = sheet_rows(ws, header_row)
    return [dict(zip(header, row, strict=True)) for row in rows]


def group_of(row: dict[str, Any]) -> StatusGroup:
    return BY_STATUS[row["status"]].group


# --- CSV ---------------------------------------------------------------------------------------------


def test_csv_starts_with_a_byte_order_mark(export_dir: Path, mart_rows) -> None:
    data = (export_dir / "payment_reconciliation.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbftenant_id,branch_id,branch_name,")
    assert data.count(b"\xef\xbb\xbf") == 1
    assert b"\r" not in data
    text = data.decode("utf-8-sig")
    assert "fee ₹40.00 differs" in text
    assert text.endswith("\n")
    assert text.count("\n") == len(mart_rows) + 1  # no reason holds a line break
    # a value with commas and quotes is quoted, not split
    assert '"refund 200.00 not deducted by any settlement, 9 days after ""initiated"""' in text


def test_csv_layout_puts_people_columns_beside_the_stored_ones(csv_rows, mart_column_names) -> None:
    header, _ = csv_rows
    expected: list[str] = []
    for name in mart_column_names:
        expected.append(name)
        if name == "branch_id":
            expected.append("branch_name")
        elif name.endswith("_paise"):
            expected.append(name.removesuffix("_paise") + "_inr")
        elif name in ("settled_at", "event_at"):
            expected.append(name + "_ist")
    assert header == expected
    assert header[header.index("booked_amount_paise") + 1] == "booked_amount_inr"
    assert header[header.index("event_at") + 1] == "event_at_ist"


def test_csv_is_the_complete_record(csv_rows, mart_rows, mart_column_names) -> None:
    _, rows = csv_rows
    expected = in_export_order(mart_rows)
    assert [[r[c] for c in mart_column_names] for r in rows] == [
        [expected_csv_text(row[c]) for c in mart_column_names] for row in expected
    ]
    by_id = {r["entity_id"]: r for r in rows}
    assert by_id["pay_B1"]["settled_at"] == "2026-10-03T20:00:00Z"
    assert by_id["pay_B3"]["gateway_amount_paise"] == "" and by_id["pay_B3"]["gateway_amount_inr"] == ""
    assert by_id["rfnd_P1"]["net_settled_paise"] == "-12345"
    assert by_id["pay_B2"]["branch_name"] == "Indiranagar Clinic"
    assert by_id["pay_P1"]["branch_name"] == "Koregaon Park"


def test_csv_rupees_equal_paise_over_100_on_every_row(csv_rows) -> None:
    _, rows = csv_rows
    checked = 0
    for row in rows:
        for column in AMOUNTS:
            stored, rupees = row[column], row[column.removesuffix("_paise") + "_inr"]
            if stored == "":
                assert rupees == "", (row["entity_id"], column)
                continue
            assert Decimal(rupees) == Decimal(int(stored)) / 100, (row["entity_id"], column)
            assert rupees == f"{Decimal(int(stored)).scaleb(-2):.2f}"  # 2 places, dot, no grouping
            checked += 1
    assert checked > 50
    by_id = {r["entity_id"]: r for r in rows}
    assert by_id["pay_B6"]["booked_amount_inr"] == "1000519.00"
    assert by_id["adj_P1"]["gateway_amount_inr"] == "-25.00"
    assert by_id["pay_P1"]["booked_amount_inr"] == "0.01"


def test_csv_ist_times_agree_with_the_utc_ones_and_the_dates(csv_rows) -> None:
    _, rows = csv_rows
    for row in rows:
        for column in ("event_at", "settled_at"):
            utc, ist = row[column], row[column + "_ist"]
            if not utc:
                assert ist == ""
                continue
            assert ist.endswith("+05:30")
            instant = datetime.fromisoformat(utc.replace("Z", "+00:00"))
            assert datetime.fromisoformat(ist) == instant
            assert ist[:19] == (instant.replace(tzinfo=None) + IST).strftime("%Y-%m-%d %H:%M:%S")
        assert row["event_at_ist"][:10] == row["event_date"], row["entity_id"]
    by_id = {r["entity_id"]: r for r in rows}
    # 20:00:00.123 UTC on 29 October is 01:30 IST on the 30th, the row's event_date
    assert by_id["pay_B3"]["event_at"] == "2026-10-29T20:00:00.123Z"
    assert by_id["pay_B3"]["event_at_ist"] == "2026-10-30 01:30:00.123+05:30"
    assert by_id["pay_B3"]["event_date"] == "2026-10-30"
    assert by_id["pay_B1"]["settled_at_ist"] == "2026-10-04 01:30:00+05:30"


# --- workbook: sheets and headers --------------------------------------------------------------------


def test_workbook_sheets(workbook) -> None:
    assert workbook.sheetnames == SHEETS
    assert workbook.properties.creator == "MyMedic"
    assert workbook.properties.created == datetime(2026, 10, 30)
    assert workbook.properties.modified == datetime(2026, 10, 30)


def test_detail_headers_are_readable_and_hold_every_row(workbook, mart_rows) -> None:
    rows = sheet_dicts(workbook["Detail"])
    header = list(rows[0])
    assert header[:5] == ["Branch", "Branch ID", "Type", "Razorpay ID", "Status"]
    for readable in ("Booked amount (₹)", "Fee incl. GST (₹)", "MDR fee excl. GST (₹)", "GST on fee (₹)",
                     "Settled at (IST)", "Refund deadline (IST)", "Settlement due (IST)", "Reason"):  # fmt: skip
        assert readable in header
    assert not [h for h in header if "_" in h], header  # no column names, no CSV-only text columns
    expected = in_export_order(mart_rows)
    assert [r["Razorpay ID"] for r in rows] == [r["entity_id"] for r in expected]
    for got, want in zip(rows, expected, strict=True):
        assert paise(got["Booked amount (₹)"]) == want["booked_amount_paise"]
        assert paise(got["Fee incl. GST (₹)"]) == want["gateway_fee_incl_tax_paise"]
        assert paise(got["Net settled (₹)"]) == want["net_settled_paise"]
        settled = want["settled_at"]
        assert got["Settled at (IST)"] == (None if settled is None else (settled + IST).replace(tzinfo=None))
        assert (got["Reason"] or "") == want["exception_reason"]
    assert {r["Branch"] for r in rows} == {"Indiranagar Clinic", "Koregaon Park"}


def test_exceptions_leave_out_what_is_not_yet_due(workbook, mart_rows) -> None:
    rows = sheet_dicts(workbook["Exceptions"])
    expected = [r for r in in_export_order(mart_rows) if group_of(r) is StatusGroup.EXCEPTION]
    assert [(r["Razorpay ID"], r["Status"]) for r in rows] == [
        (r["entity_id"], r["status"]) for r in expected
    ]
    assert not {"matched", "in_transit"} & {r["Status"] for r in rows}
    assert [r["Reason"] for r in rows] == [r["exception_reason"] for r in expected]


def test_open_items_are_the_rows_not_yet_due(workbook, mart_rows) -> None:
    rows = sheet_dicts(workbook["Open items"])
    expected = [r for r in in_export_order(mart_rows) if r["status"] == "in_transit"]
    assert len(expected) == 3
    assert [r["Razorpay ID"] for r in rows] == [r["entity_id"] for r in expected]
    refund = next(r for r in rows if r["Razorpay ID"] == "rfnd_P2")
    assert refund["Refund deadline (IST)"] == datetime(2026, 11, 3) and refund["Settlement due (IST)"] is None


def test_reasons_wrap(workbook) -> None:
    for title in ("Detail", "Exceptions"):
        ws = workbook[title]
        header = [c.value for c in ws[1]]
        column = header.index("Reason")
        cells = [row[column] for row in ws.iter_rows(min_row=2) if row[column].value]
        assert cells and all(c.alignment.wrap_text for c in cells), title
    long_row = next(
        r for r in workbook["Exceptions"].iter_rows(min_row=2) if r[4].value and len(r[4].value) > 60
    )
    assert workbook["Exceptions"].row_dimensions[long_row[0].row].height == 30  # two lines shown


def test_every_sheet_prints_landscape_one_page_wide_with_repeated_headers(workbook) -> None:
    header_rows = {"Quarantine": "$2:$2"}
    for ws in workbook.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0, ws.title
        assert ws.print_title_rows == header_rows.get(ws.title, "$1:$1"), ws.title


# --- workbook: money ---------------------------------------------------------------------------------


def money_cells(workbook) -> list[Any]:
    return [
        c
        for ws in workbook.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, int | float) and "₹" in c.number_format
    ]


def test_money_cells_are_numbers_with_indian_grouping_formats(workbook) -> None:
    cells = money_cells(workbook)
    assert len(cells) > 200
    for cell in cells:
        assert cell.number_format == RUPEE_FORMATS[magnitude_class(paise(cell.value))], (
            cell.coordinate,
            cell.value,
        )
    formats = {c.number_format for c in cells}
    assert RUPEE_FORMATS[0] == '"₹"#,##0.00;-"₹"#,##0.00'
    assert RUPEE_FORMATS[1] == '"₹"##\\,##\\,##0.00;-"₹"##\\,##\\,##0.00'  # lakhs
    assert {RUPEE_FORMATS[0], RUPEE_FORMATS[1], RUPEE_FORMATS[2]} <= formats  # crores too
    assert any(c.value < 0 for c in cells)


# --- workbook: summary -------------------------------------------------------------------------------


def summary_table(ws, title: str) -> list[list[object]]:
    rows = sheet_rows(ws)
    start = next(i for i, r in enumerate(rows) if r[0] == title)
    assert rows[start + 1][:4] == ["Branch", "Status", "Type", "Count"]
    assert rows[start + 1][4:] == ["Booked (₹)", "Gateway amount (₹)", "Fee incl. GST (₹)", "MDR fee (₹)",
                                   "GST on fee (₹)", "Net settled (₹)"]  # fmt: skip
    out = []
    for row in rows[start + 2 :]:
        if row[0] is None:
            break
        out.append(row)
    return out


def signed_expectation(rows: list[dict[str, Any]]) -> list[int]:
    """count, booked, gateway, fee incl GST, MDR fee, GST, net settled: payments +, refunds −, fees −."""
    out = [0] * 7
    for r in rows:
        sign = -1 if r["entity_type"] == "refund" else 1
        fee, tax, net = r["fee_paise"] or 0, r["tax_paise"] or 0, r["net_settled_paise"] or 0
        gateway = (
            net + fee + tax if r["entity_type"] == "gateway_line" else sign * (r["gateway_amount_paise"] or 0)
        )
        values = [1, sign * (r["booked_amount_paise"] or 0), gateway, -(fee + tax), -fee, -tax, net]
        out = [a + b for a, b in zip(out, values, strict=True)]
    return out


def as_numbers(line: list[object]) -> list[int]:
    return [line[3], *(paise(v) for v in line[4:])]


LABELS = {"payment": "Payments", "refund": "Refunds", "gateway_line": "Unmatched gateway lines"}


def test_summary_by_status_splits_payments_and_refunds_and_signs_them(workbook, mart_rows) -> None:
    lines = summary_table(workbook["Summary"], "By status, all branches")
    got = {(line[1], line[2]): as_numbers(line) for line in lines}
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in mart_rows:
        groups[(r["status"], LABELS[r["entity_type"]])].append(r)
        groups[("All statuses", LABELS[r["entity_type"]])].append(r)
        groups[("All statuses", "All types")].append(r)
    assert got == {key: signed_expectation(rows) for key, rows in groups.items()}
    refunds = got[("All statuses", "Refunds")]
    assert refunds[1] == -sum(r["booked_amount_paise"] for r in mart_rows if r["entity_type"] == "refund")
    assert refunds[1] < 0 and got[("All statuses", "Payments")][1] > 0
    assert [line[1] for line in lines][:2] == ["matched", "matched"]  # the legend's order
    # on every line, gateway amount + fees = net settled
    assert all(n[2] + n[3] == n[6] for n in got.values())


def test_summary_by_branch(workbook, mart_rows) -> None:
    lines = summary_table(workbook["Summary"], "By branch and status")
    got = {(line[0], line[1], line[2]): as_numbers(line) for line in lines}
    names = {"br_blr": "Indiranagar Clinic (br_blr)", "br_pune": "Koregaon Park (br_pune)"}
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in mart_rows:
        groups[(names[r["branch_id"]], r["status"], LABELS[r["entity_type"]])].append(r)
    assert got == {key: signed_expectation(rows) for key, rows in groups.items()}


def test_summary_money_in_and_out(workbook, mart_rows) -> None:
    rows = sheet_rows(workbook["Summary"])
    flow = {
        r[0]: (r[3], paise(r[4])) for r in rows if r[0] and r[4] is not None and not isinstance(r[4], str)
    }
    payments = [r for r in mart_rows if r["entity_type"] == "payment"]
    refunds = [r for r in mart_rows if r["entity_type"] == "refund"]
    booked_p = sum(r["booked_amount_paise"] for r in payments)
    booked_r = sum(r["booked_amount_paise"] for r in refunds)
    assert flow["Payments booked"] == (len(payments), booked_p)
    assert flow["Refunds booked"] == (len(refunds), -booked_r)
    assert flow["Net booked (payments − refunds)"] == (None, booked_p - booked_r)
    assert flow["Net settled by Razorpay"] == (None, sum(r["net_settled_paise"] or 0 for r in mart_rows))
    parts = ["Payments settled by Razorpay (gross)", "Refunds deducted by Razorpay",
             "Razorpay fees incl. GST on them", "Unmatched gateway lines (their net)"]  # fmt: skip
    assert sum(flow[p][1] for p in parts) == flow["Net settled by Razorpay"][1]
    assert flow["Refunds booked"][1] < 0 and flow["Razorpay fees incl. GST on them"][1] < 0


def test_summary_title_and_notes(workbook, mart_rows) -> None:
    ws = workbook["Summary"]
    assert ws["A1"].value == "Payment reconciliation — t_acme — as of 2026-10-30"
    notes = " ".join(str(ws.cell(row=r, column=1).value) for r in range(2, 12))
    assert "Confidential financial data" in notes and "no clinical data" in notes
    exceptions = sum(group_of(r) is StatusGroup.EXCEPTION for r in mart_rows)
    assert f"Detail: every row of the reconciliation ({len(mart_rows)} rows)." in notes
    assert f"({exceptions} rows)." in notes and "Open items: rows not yet due" in notes


# --- workbook: legend, branch days, quarantine -------------------------------------------------------


def test_legend_covers_every_status_the_mart_accepts(workbook, mart_rows) -> None:
    model = yaml.safe_load(MART_YAML.read_text())["models"][0]
    status = next(c for c in model["columns"] if c["name"] == "status")
    accepted = next(t["accepted_values"]["arguments"]["values"] for t in status["data_tests"]
                    if isinstance(t, dict) and "accepted_values" in t)  # fmt: skip
    assert {m.status for m in LEGEND} == set(accepted)
    rows = sheet_dicts(workbook["Legend"])
    assert [r["Status"] for r in rows] == [m.status for m in LEGEND]
    assert all(r["What it means"] and r["What to do"] for r in rows)
    counts = defaultdict(int)
    for r in mart_rows:
        counts[r["status"]] += 1
    assert {r["Status"]: r["Rows"] for r in rows} == {m.status: counts[m.status] for m in LEGEND}


def test_docs_show_the_legend_text() -> None:
    from exports import status_legend

    assert status_legend.main(["check"]) == 0
    docs = status_legend.DOC.read_text(encoding="utf-8")
    for meaning in LEGEND:
        assert (
            f"| `{meaning.status}` | {meaning.group.value} | {meaning.meaning} | {meaning.action} |" in docs
        )


def test_branch_settlements_sheet(workbook) -> None:
    rows = sheet_dicts(workbook["Branch settlements"])
    assert [(r["Branch"], r["Settlement UTR"]) for r in rows] == [
        ("Indiranagar Clinic", "UTIBN6202610030642"),
        ("Koregaon Park", "UTIBN6202610030742"),
    ]
    pune = rows[1]
    assert (paise(pune["Net payout (₹)"]), paise(pune["Bank credited (₹)"])) == (133618, 100000)
    assert paise(pune["Bank − payout (₹)"]) == -33618 and pune["Bank matched"] is False


def test_quarantine_sheet_shows_file_line_and_reason_never_the_record(
    export_dir: Path, workbook, phi_marker: str
) -> None:
    ws = workbook["Quarantine"]
    assert "patient-linked" in ws["A1"].value
    rows = sheet_dicts(ws, header_row=2)
    assert [(r["Feed"], r["File"], r["Line"]) for r in rows] == [
        ("booking_events", "events/2026-10-02.ndjson", 17),
        ("razorpay_settlements", "settlements/razorpay/2026-10-03.csv", 4),
    ]  # the load that never committed is left out
    assert rows[1]["Why it was not loaded"] == "currency 'XYZ': only INR settlements are supported"
    with zipfile.ZipFile(export_dir / "payment_reconciliation.xlsx") as z:
        assert not any(phi_marker.encode() in z.read(name) for name in z.namelist())
    assert phi_marker not in (export_dir / "payment_reconciliation.csv").read_text(encoding="utf-8-sig")


def test_text_that_looks_like_a_formula_stays_text(export_dir: Path, workbook) -> None:
    with zipfile.ZipFile(export_dir / "payment_reconciliation.xlsx") as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in z.read(n) for n in sheets)
    reasons = [r["Reason"] for r in sheet_dicts(workbook["Exceptions"])]
    assert "=bank credit 1,000.00 differs from settlement net 996.42" in reasons
    cells = [c for row in workbook["Detail"].iter_rows() for c in row if str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_summary_amounts_read_like_babel(workbook) -> None:
    """The number formats show what core.money.format_rupees writes (rendered: test_finance_export_render)."""
    assert format_rupees(100051900) == "₹10,00,519.00" and format_rupees(-1234567890) == "-₹1,23,45,678.90"
    assert magnitude_class(100051900) == 1 and magnitude_class(-1234567890) == 2


# --- reproducible ------------------------------------------------------------------------------------


def test_two_runs_write_the_same_bytes(warehouse: Warehouse, export_dir: Path, tmp_path: Path) -> None:
    time.sleep(2.1)  # a zip entry time has 2-second steps: a later run must not show up in the bytes
    again = write_finance_exports(warehouse, tmp_path, as_of=AS_OF)
    for path in again:
        assert path.read_bytes() == (export_dir / path.name).read_bytes(), path.name
    write_finance_exports(warehouse, tmp_path, as_of=AS_OF)  # and once more over the files already there
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
    exported = reader.export_columns(columns)
    book = ReconciliationWorkbook(exported, max_rows_per_sheet=5)  # a header and 4 rows per sheet
    with closing(reader.row_blocks(columns, exported)) as blocks:
        for block in blocks:
            book.add_rows(block)
    target = tmp_path / "split.xlsx"
    book.save(target, scratch=tmp_path / "scratch.xlsx", as_of=AS_OF, source="test")

    wb = openpyxl.load_workbook(target)

    def titles(base: str, rows: int) -> list[str]:
        return [base if n == 1 else f"{base} ({n})" for n in range(1, -(-rows // 4) + 1)]

    exceptions = sum(group_of(r) is StatusGroup.EXCEPTION for r in mart_rows)
    details = titles("Detail", len(mart_rows))
    assert len(details) == 4 and exceptions == 8
    assert wb.sheetnames == ["Summary", *titles("Exceptions", exceptions), "Open items", *details,
                             "Quarantine", "Legend"]  # fmt: skip
    detail = [r for title in details for r in sheet_dicts(wb[title])]
    assert [r["Razorpay ID"] for r in detail] == [r["entity_id"] for r in in_export_order(mart_rows)]
    assert all(wb[t].freeze_panes == "A2" and sheet_rows(wb[t])[0][0] == "Branch" for t in details)
    assert wb[details[-1]].auto_filter.ref == f"A1:AD{len(mart_rows) - 4 * (len(details) - 1) + 1}"
    notes = " ".join(str(wb["Summary"].cell(row=r, column=1).value) for r in range(2, 12))
    assert f"split across sheets {', '.join(details)}" in notes
    assert "split across sheets Exceptions, Exceptions (2)" in notes
