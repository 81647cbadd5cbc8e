"""Bank statements: rupees become exact paise, dates DD/MM/YYYY, bad lines quarantined."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.bank_statements import FEED as BANK_FEED
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables

STATEMENT = """txn_date,value_date,narration,ref_no,debit,credit,balance
03/10/2026,03/10/2026,NEFT CR-UTIBN62026100300042-RAZORPAY SOFTWARE PVT LTD,N123,,"1,23,456.78","5,00,000.10"
03/10/2026,03/10/2026,RENT OCT 2026,CHQ77,"45,000.00",,"4,55,000.10"
31/09/2026,31/09/2026,BAD DATE,X1,,10.00,10.00
04/10/2026,04/10/2026,BOTH SIDES,X2,1.00,2.00,10.00
04/10/2026,04/10/2026,TOO MANY DECIMALS,X3,,2.005,10.00
"""


def test_bank_statement_lines(warehouse: Warehouse, tmp_path: Path) -> None:
    create_raw_tables(warehouse)
    path = tmp_path / "statement_50100012345678.csv"
    path.write_text(STATEMENT)
    result = load_file(warehouse, BANK_FEED, path, LoadContext("tnt_test"), source=path.name)
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (2, 3)
    rows = warehouse.rows(
        "select txn_date, debit_paise, credit_paise, balance_paise, account_number from raw.bank_statement_lines "
        "order by _source_line"
    )
    assert rows == [
        (date(2026, 10, 3), 0, 12345678, 50000010, "50100012345678"),
        (date(2026, 10, 3), 4500000, 0, 45500010, "50100012345678"),
    ]
    reasons = dict(
        warehouse.rows("select _source_line, reason from raw.quarantine where feed = 'bank_statements'")
    )
    assert "not a date as DD/MM/YYYY" in reasons[4]
    assert "both a debit and a credit" in reasons[5]
    assert "not an amount in rupees like 1,234.50" in reasons[6]
