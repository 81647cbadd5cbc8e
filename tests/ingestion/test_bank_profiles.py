"""Bank statements as banks deliver them: each profile's layout (header block, table header, footer, dates,
groupings, Dr/Cr), XLSX, a chain's YAML mapping, rejected layouts, and overlapping downloads loaded once.

The statements are written by hand from the public layouts cited in each profile's YAML
(ingestion/feeds/bank_statements/profiles/); each test uses its own account, so tests don't dedup each
other in the module's warehouse.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.bank_statements import FEED as BANK_FEED
from ingestion.loader import BatchResult, load_file
from ingestion.tables import create_raw_tables

TENANT = "tnt_bank"

HDFC_HEADER_BLOCK = """HDFC BANK Ltd.,,,,,,
M/S SUNRISE CLINICS PVT LTD,,,,,,
Account Branch :,INDIRANAGAR,,,,,
Account No :,50100234567891,,,,,
Statement From :,01/10/26,To :,15/10/26,,,
,,,,,,
Date,Narration,Chq./Ref.No.,Value Dt,Withdrawal Amt.,Deposit Amt.,Closing Balance
********,********,********,********,********,********,********
"""
HDFC_FOOTER = """********,********,********,********,********,********,********
STATEMENT SUMMARY  :-,,,,,,
Opening Balance,Dr Count,Cr Count,Debits,Credits,Closing Bal,
"5,00,000.00",1,1,"45,000.00","1,47,433.87","6,02,433.87",
Generated On: 16/10/2026 10:15:32,,,,,,
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load(warehouse: Warehouse, data: Path, path: Path) -> tuple[BatchResult, dict[int, str]]:
    create_raw_tables(warehouse)
    source = path.relative_to(data).as_posix()
    result = load_file(warehouse, BANK_FEED, path, LoadContext(TENANT), source=source)
    assert result.conserved, result
    reasons = dict(
        warehouse.rows(
            "select _source_line, reason from raw.quarantine where _source_file = {f:String}", {"f": source}
        )
    )
    return result, reasons


def lines(warehouse: Warehouse, account: str) -> list[tuple]:
    return warehouse.rows(
        "select txn_date, value_date, ref_no, debit_paise, credit_paise, balance_paise from raw.bank_statement_lines "
        "where account_number = {a:String} order by txn_date, balance_paise",
        {"a": account},
    )


def test_hdfc_csv_with_header_block_rules_and_footer(warehouse: Warehouse, tmp_path: Path) -> None:
    body = (
        '03/10/26,NEFT CR-HDFCN52026100312345-RAZORPAY SOFTWARE PVT LTD,0000HDFCN52026100312345,03/10/26,,"1,47,433.87","6,47,433.87"\n'
        '05/10/26,NEFT DR-ICIC0000104-SRINIVASA ESTATES-RENT OCT26,N278262817282,05/10/26,"45,000.00",,"6,02,433.87"\n'
    )
    path = write(
        tmp_path / "bank" / "hdfc" / "Acct_Statement_1510.csv", HDFC_HEADER_BLOCK + body + HDFC_FOOTER
    )
    result, reasons = load(warehouse, tmp_path, path)
    # only the two transactions are records: nothing of the frame is quarantined as garbage...
    assert (result.status, result.rows_read, result.rows_loaded, reasons) == ("loaded", 2, 2, {})
    # ...and none of it is dropped silently: the ledger's note names every frame line (file lines 1-8, 11-15)
    assert result.note == (
        "not records (13 lines of the file's frame): header block lines 1-6, table header line 7, rule line 8, "
        "rule line 11, footer lines 12-15"
    )
    assert lines(warehouse, "50100234567891") == [
        (date(2026, 10, 3), date(2026, 10, 3), "0000HDFCN52026100312345", 0, 14743387, 64743387),
        (date(2026, 10, 5), date(2026, 10, 5), "N278262817282", 4500000, 0, 60243387),
    ]


def test_icici_xlsx_with_real_dates_numbers_and_balance_brought_forward(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    for row in [
        ["DETAILED STATEMENT"],
        ["Account Number", "000405012345 ( INR ) - SUNRISE CLINICS PVT LTD"],
        ["Transaction Date from", "01/10/2026", "to", "15/10/2026"],
        [],
        [None, "S No.", "Value Date", "Transaction Date", "Cheque Number", "Transaction Remarks",
         "Withdrawal Amount (INR )", "Deposit Amount (INR )", "Balance (INR )"],
        [None, 1, date(2026, 10, 1), date(2026, 10, 1), "-", "B/F", None, None, 500000],
        [None, 2, date(2026, 10, 3), date(2026, 10, 2), "629412345678", "MMT/IMPS/629412345678/RAZORPAY/UTIB0000001",
         None, 147433.87, 647433.87],
        [None, 3, "04/10/2026", "04/10/2026", "-", "ACH/ELECTRICITY/BESCOM", "2,500.50", None, "6,44,933.37"],
        [],
        ["Legends Used in Account Statement"],
        ["INF - Internet Fund Transfer", "NEFT - National Electronic Fund Transfer"],
    ]:  # fmt: skip
        sheet.append(row)
    path = tmp_path / "bank" / "icici" / "OpTransactionHistory15-10-2026.xlsx"
    path.parent.mkdir(parents=True)
    book.save(path)
    result, reasons = load(warehouse, tmp_path, path)
    assert (result.status, result.rows_read, result.rows_loaded, reasons) == ("loaded", 2, 2, {})
    assert "balance brought forward line 6" in result.note and "footer lines 10-11" in result.note
    # value date and transaction date are told apart by their column names, not their order
    assert lines(warehouse, "405012345") == [
        (date(2026, 10, 2), date(2026, 10, 3), "629412345678", 0, 14743387, 64743387),
        (date(2026, 10, 4), date(2026, 10, 4), "-", 250050, 0, 64493337),
    ]


SBI = """Account Name,: SUNRISE CLINICS PVT LTD
Account Number,:00000035123456789
Branch,: MG ROAD
IFS Code,: SBIN0000813
Balance as on 1 Oct 2026,": 5,00,000.00"

Txn Date,Value Date,Description,Ref No./Cheque No.,Branch Code,Debit,Credit,Balance
1 Oct 2026,1 Oct 2026,BY TRANSFER-NEFT*UTIB0000001*UTIBN62026100100042*RAZORPAY SOFTWA--,TRANSFER FROM 4897693162093,813,,"1,23,456.78","6,23,456.78"
2 Oct 2026,2 Oct 2026,TO TRANSFER-INB NEFT RENT--,IB123,813,"45,000.00",,"5,78,456.78"
3 Oct 2026,3 Oct 2026,BY TRANSFER-MISKEYED AMOUNT,X1,813,,"12,34","5,78,456.78"
31 Sep 2026,31 Sep 2026,BY TRANSFER-NO SUCH DAY,X2,813,,1.00,"5,78,457.78"
4 Oct 2026,4 Oct 2026,BY CLEARING-CHQ DEP,,813,,"1,000.50","5,79,457.28"
**This is a computer generated statement and does not require a signature.
"""


def test_sbi_dates_indian_grouping_and_bad_lines_in_the_middle(warehouse: Warehouse, tmp_path: Path) -> None:
    path = write(tmp_path / "bank" / "sbi" / "1698765432101.csv", SBI)
    result, reasons = load(warehouse, tmp_path, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 3, 2)
    assert reasons == {
        10: "column 'credit' has '12,34', not an amount in rupees like 1,234.50 or 1,23,456.78",
        11: "column 'txn_date' has '31 Sep 2026', not a date as DD MMM YYYY or DD-MMM-YY or DD-MMM-YYYY or DD/MM/YYYY",
    }
    # the account is the header block's (leading zeros dropped), not the number in the file name
    assert lines(warehouse, "35123456789") == [
        (date(2026, 10, 1), date(2026, 10, 1), "TRANSFER FROM 4897693162093", 0, 12345678, 62345678),
        (date(2026, 10, 2), date(2026, 10, 2), "IB123", 4500000, 0, 57845678),
        (date(2026, 10, 4), date(2026, 10, 4), "", 0, 100050, 57945728),
    ]


def test_axis_single_amount_with_a_debit_credit_column(warehouse: Warehouse, tmp_path: Path) -> None:
    text = """AXIS BANK LTD
Statement of Account No - 917020012345678 for the period (From : 01-10-2026 To : 15-10-2026)
S.No,Transaction Date,Value Date,Particulars,Amount,Debit/Credit,Balance,Cheque Number,Branch Name
1,01/10/2026,01/10/2026,OPENING BALANCE,,,"5,00,000.00",,
2,03/10/2026,03/10/2026,NEFT/HDFCR52026100300012345/RAZORPAY SOFTWARE PVT LTD,"1,47,433.87",CR,"6,47,433.87",HDFCR52026100300012345,MG ROAD
3,05/10/2026,05/10/2026,UPI/DR/629412345678/CITYLAB,"2,500.00",Dr,"6,44,933.87",,MG ROAD
4,05/10/2026,05/10/2026,UPI/DR/629412345679/CITYLAB,"2,500.00",XX,"6,42,433.87",,MG ROAD
++++ End of Statement ++++
"""
    path = write(tmp_path / "bank" / "axis" / "statement.csv", text)
    result, reasons = load(warehouse, tmp_path, path)
    assert (result.rows_read, result.rows_loaded, reasons) == (
        3,
        2,
        {7: "column 'dr_cr' has 'XX'; expected DR/CR"},
    )
    assert lines(warehouse, "917020012345678") == [
        (date(2026, 10, 3), date(2026, 10, 3), "HDFCR52026100300012345", 0, 14743387, 64743387),
        (date(2026, 10, 5), date(2026, 10, 5), "", 250000, 0, 64493387),
    ]


def test_a_file_fitting_no_profile_is_rejected_naming_the_closest_and_what_it_lacks(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    no_balance = HDFC_HEADER_BLOCK.replace(",Closing Balance\n", ",Balance Amt\n")
    path = write(
        tmp_path / "bank" / "hdfc" / "odd.csv", no_balance + "03/10/26,NEFT CR-X,R1,03/10/26,,10.00,10.00\n"
    )
    result, reasons = load(warehouse, tmp_path, path)
    why = (
        "no table header fits; expected the hdfc layout (HDFC Bank); the closest is profile hdfc, whose header "
        "(line 7) lacks column(s) 'Closing Balance'"
    )
    assert (result.status, result.note, result.rows_loaded) == ("rejected", why, 0)
    # every line of the file is quarantined with the reason: nothing of it is read as something else
    assert len(reasons) == result.rows_quarantined == 9
    assert set(reasons.values()) == {f"file rejected: {why}"}

    # an SBI statement dropped into bank/ (the platform's own layout) is told where it belongs
    path = write(tmp_path / "bank" / "statement_35123456789.csv", SBI + "\n")  # not bytes loaded before
    result, _ = load(warehouse, tmp_path, path)
    assert result.status == "rejected"
    assert result.note == (
        "expected the mymedic layout (MyMedic statement CSV) but the table header (line 7) is profile sbi's: "
        "put it in bank/sbi/"
    )

    path = write(tmp_path / "bank" / "kotak" / "statement_1234567890.csv", SBI + "\n\n")
    result, _ = load(warehouse, tmp_path, path)
    assert result.note == (
        "no bank profile named 'kotak': name the folder after one of axis, hdfc, icici, sbi, "
        "or describe the layout in bank/kotak/profile.yaml"
    )


def test_a_plain_statement_named_anything_still_loads(warehouse: Warehouse, tmp_path: Path) -> None:
    """As before profiles: a plain bank/*.csv with no account number in its name loads, under account ''."""
    text = "txn_date,value_date,narration,ref_no,debit,credit,balance\n01/10/2026,01/10/2026,NEFT A,R,,1.00,7.01\n"
    result, reasons = load(warehouse, tmp_path, write(tmp_path / "bank" / "current_account.csv", text))
    assert (result.status, result.rows_loaded, reasons) == ("loaded", 1, {})
    assert lines(warehouse, "") == [(date(2026, 10, 1), date(2026, 10, 1), "R", 0, 100, 701)]


COOP_PROFILE = """# a made-up co-operative bank's export, mapped by the chain
bank: Sahakari Co-operative Bank
columns:
  txn_date: Posting Date
  narration: Particulars
  ref_no: Instrument No
  amount: Txn Amount
  dr_cr: Type
  balance: Running Balance
date_formats: [DD-MMM-YYYY]
debit_marks: [W]
credit_marks: [D]
account_number: "0012345678"
footer_markers: [Total]
"""


def test_a_chains_yaml_mapping_loads_its_own_layout(warehouse: Warehouse, tmp_path: Path) -> None:
    folder = tmp_path / "bank" / "coop"
    write(folder / "profile.yaml", COOP_PROFILE)
    path = write(
        folder / "october.csv",
        "Posting Date,Particulars,Instrument No,Type,Txn Amount,Running Balance\n"
        "03-Oct-2026,RTGS-HDFCR52026100300012345-RAZORPAY,HDFCR52026100300012345,D,1475.00,11475.00\n"
        '04-Oct-2026,CHQ PAID,000123,W,"1,000.00",10475.00\n'
        "Total,,,,2475.00,\n",
    )
    assert BANK_FEED.files(tmp_path) == [path]  # the mapping configures the folder: it is not a statement
    result, reasons = load(warehouse, tmp_path, path)
    assert (result.rows_read, result.rows_loaded, reasons) == (2, 2, {})
    assert lines(warehouse, "12345678") == [
        (date(2026, 10, 3), date(2026, 10, 3), "HDFCR52026100300012345", 0, 147500, 1147500),
        (date(2026, 10, 4), date(2026, 10, 4), "000123", 100000, 0, 1047500),
    ]


def test_a_bad_yaml_mapping_rejects_its_folder_in_one_line(warehouse: Warehouse, tmp_path: Path) -> None:
    folder = tmp_path / "bank" / "broken"
    write(
        folder / "profile.yaml",
        "bank: Broken Bank\ncolumns:\n  txn_date: Date\n  narration: Narr\ndate_formats: [DD/MM/YYYY]\n",
    )
    path = write(folder / "statement_99887766554.csv", "Date,Narr\n01/10/2026,X\n")
    result, _ = load(warehouse, tmp_path, path)
    assert (result.status, result.note) == (
        "rejected",
        "bank profile profile.yaml of 'broken' is invalid: columns lack balance",
    )
    write(folder / "profile.yaml", "bank: Broken Bank\ncolumns: {txn_date: Date, narration: N, balance: B, "
          "debit: D, credit: C}\ndate_formats: [DD/MON/YYYY]\n")  # fmt: skip
    # (other bytes: content the ledger has seen, rejected or not, is not read again)
    path = write(folder / "statement_99887766555.csv", "Date,Narr\n02/10/2026,Y\n")
    result, _ = load(warehouse, tmp_path, path)
    assert result.note == (
        "bank profile profile.yaml of 'broken' is invalid: date_formats: "
        "date format 'DD/MON/YYYY' uses tokens other than DD, MM, MMM, YY, YYYY"
    )
    assert "\n" not in result.note


def test_overlapping_downloads_add_each_line_once(warehouse: Warehouse, tmp_path: Path) -> None:
    """Finance downloads 1-12 October, then 9-20 October: the 9th and the 12th are in both files."""
    header = HDFC_HEADER_BLOCK.replace("50100234567891", "50100234567000")
    first = write(
        tmp_path / "bank" / "hdfc" / "Acct_Statement_01-12Oct.csv",
        header + '07/10/26,NEFT CR-HDFCN52026100700001-RAZORPAY,R1,07/10/26,,596.46,"1,00,596.46"\n'
        '09/10/26,RENT OCT 2026,R2,09/10/26,"50,000.00",,"50,596.46"\n'
        '12/10/26,NEFT CR-HDFCN52026101200002-RAZORPAY,R3,12/10/26,,"1,525.46","52,121.92"\n' + HDFC_FOOTER,
    )
    second = write(
        tmp_path / "bank" / "hdfc" / "Acct_Statement_09-20Oct.csv",
        header + '09/10/26,RENT OCT 2026,R2,09/10/26,"50,000.00",,"50,596.46"\n'
        '12/10/26,NEFT CR-HDFCN52026101200002-RAZORPAY,R3,12/10/26,,"1,525.46","52,121.92"\n'
        '20/10/26,NEFT CR-HDFCN52026102000003-RAZORPAY,R4,20/10/26,,41.92,"52,163.84"\n' + HDFC_FOOTER,
    )
    a, _ = load(warehouse, tmp_path, first)
    b, _ = load(warehouse, tmp_path, second)
    assert (a.rows_read, a.rows_loaded, a.rows_skipped) == (3, 3, 0)
    assert (b.rows_read, b.rows_loaded, b.rows_quarantined, b.rows_skipped) == (3, 1, 0, 2)
    credits = warehouse.scalar(
        "select sum(credit_paise) from raw.bank_statement_lines where account_number = '50100234567000'"
    )
    assert credits == 59646 + 152546 + 4192  # each credit once
