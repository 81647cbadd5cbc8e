"""Bank statements as banks deliver them, through the real loader and a real `dbt build`: two overlapping
HDFC downloads, settlement UTRs in every form banks and gateways use, found in the narration or only in
the ref_no.

The chain is dbt_scenario.py's, with the settlements' UTRs changed to other forms and the bank statement
delivered as two HDFC files (1-12 and 9-20 October) sharing the 9th and the 12th. The statuses must be
exactly the ones test_reconciliation_marts.py works out by hand for the scenario: a credit that appears in
both files is counted once (else setl_BLR_1012's credit would be 3051.92 against a net of 1525.46).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dbt_scenario as scenario
import pytest
from dbt_runner import dbt_failure, run_dbt, run_results
from test_reconciliation_marts import AS_OF, EXPECTED_STATUS

from core.settings import warehouse_settings
from core.warehouse import Warehouse, open_warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.bank_statements import FEED as BANK_FEED
from ingestion.loader import BatchResult, load_file
from ingestion.tables import create_raw_tables

UTRS = {
    "setl_BLR_1012": "1568176960vxp0rj",  # Razorpay's own alphanumeric UTR (the bank prints it upper case)
    "setl_BLR_1020": "HDFCR52026102000012345",  # a 22-character RTGS UTR, only in the ref_no
    "setl_MUM_1007": "629412345678",  # a 12-digit IMPS RRN, only in the ref_no
    # setl_MUM_1015 keeps its NEFT UTR HDFCN52026101500002 and never reaches the bank
}
HEADER = """HDFC BANK Ltd.,,,,,,
Account No :,50100234567891,,,,,
Statement From :,{period},,,,,
Date,Narration,Chq./Ref.No.,Value Dt,Withdrawal Amt.,Deposit Amt.,Closing Balance
"""
FOOTER = """STATEMENT SUMMARY  :-,,,,,,
Generated On: 21/10/2026 10:15:32,,,,,,
"""
# Opening balance 1,00,000.00. Amounts as dbt_scenario.BANK: 596.46, rent 50,000.00, 1,525.46, 1,000.00;
# 41.92 for setl_BLR_1020 (1.00 short of its net).
SEVENTH = '07/10/26,IMPS CR RAZORPAY PAYMENTS PVT LTD,629412345678,07/10/26,,596.46,"1,00,596.46"\n'
NINTH = '09/10/26,RENT OCT 2026,000000001234,09/10/26,"50,000.00",,"50,596.46"\n'
TWELFTH = (
    '12/10/26,NEFT CR-1568176960VXP0RJ-RAZORPAY SOFTWARE PVT LTD,N285263,12/10/26,,"1,525.46","52,121.92"\n'
)
FOURTEENTH = (
    '14/10/26,CASH DEPOSIT BLR,CSH77,14/10/26,,"1,000.00","53,121.92"\n'
    # a token that merely contains a UTR is not the UTR: this credit matches no settlement
    '14/10/26,UPI-1568176960VXP0RJ9-REFUND REVERSAL,UPI881,14/10/26,,10.00,"53,131.92"\n'
)
TWENTIETH = '20/10/26,RTGS CR-RAZORPAY SOFTWARE PVT LTD,HDFCR52026102000012345,20/10/26,,41.92,"53,173.84"\n'
FIRST_DOWNLOAD = HEADER.format(period="01/10/26 To : 12/10/26") + SEVENTH + NINTH + TWELFTH + FOOTER
SECOND_DOWNLOAD = (
    HEADER.format(period="09/10/26 To : 20/10/26") + NINTH + TWELFTH + FOURTEENTH + TWENTIETH + FOOTER
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, list[BatchResult]]]:
    root = tmp_path_factory.mktemp("bank_matching")
    data = root / "data"
    folder = data / "bank" / "hdfc"
    folder.mkdir(parents=True)
    (folder / "Acct_Statement_01-12Oct.csv").write_text(FIRST_DOWNLOAD)
    (folder / "Acct_Statement_09-20Oct.csv").write_text(SECOND_DOWNLOAD)
    settings = warehouse_settings(f"chdb://{root / 'warehouse'}")
    with open_warehouse(settings) as warehouse:  # closed before dbt opens the directory
        create_raw_tables(warehouse)
        scenario.load(warehouse, utrs=UTRS, bank=False)
        results = [
            load_file(warehouse, BANK_FEED, path, LoadContext(scenario.TENANT), source=path.name)
            for path in BANK_FEED.files(data)
        ]
    result = run_dbt(
        settings, root, "build", "--select", "+fct_payment_reconciliation", "--indirect-selection", "cautious",
        "--vars", f"{{as_of: '{AS_OF.isoformat()}'}}",
    )  # fmt: skip
    assert result.returncode == 0, dbt_failure(result)
    assert {s for s in run_results(root).values()} <= {"success", "pass"}
    with open_warehouse(settings) as warehouse:
        yield warehouse, results


def test_the_shared_days_load_once(built: tuple[Warehouse, list[BatchResult]]) -> None:
    warehouse, results = built
    assert [(r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_skipped) for r in results] == [
        (3, 3, 0, 0),
        (5, 3, 0, 2),  # the 9th and the 12th were loaded from the first download
    ]
    staged = warehouse.rows(
        f"select count(), uniqExact(bank_line_id) from {warehouse.db('staging')}.stg_bank__statement_lines"
    )
    assert staged == [(6, 6)]


def test_every_status_is_the_hand_worked_one(built: tuple[Warehouse, list[BatchResult]]) -> None:
    warehouse, _ = built
    mart = warehouse.dicts(
        f"select entity_id, status from {warehouse.db('marts')}.fct_payment_reconciliation"
    )
    got = {row["entity_id"]: row["status"] for row in mart}
    assert {k: got.get(k) for k in EXPECTED_STATUS} == EXPECTED_STATUS


def test_utrs_are_found_in_any_form_in_narration_or_ref_no(
    built: tuple[Warehouse, list[BatchResult]],
) -> None:
    warehouse, _ = built
    settlements: dict[str, dict[str, Any]] = {
        row["settlement_id"]: row
        for row in warehouse.dicts(
            "select settlement_id, bank_match_status, bank_credited_paise, bank_line_count, bank_exception_reason "
            f"from {warehouse.db('intermediate')}.int_settlements__bank_matched"
        )
    }
    summary = {
        k: (v["bank_match_status"], v["bank_credited_paise"], v["bank_line_count"])
        for k, v in settlements.items()
    }
    assert summary == {
        "setl_BLR_1012": ("matched", 152546, 1),  # in both downloads, credited once
        "setl_MUM_1007": ("matched", 59646, 1),  # the RRN is only in the ref_no
        "setl_BLR_1020": ("amount_differs", 4192, 1),  # the RTGS UTR found in the ref_no, 1.00 short
        "setl_MUM_1015": ("no_bank_credit", 0, 0),
    }
    assert (
        "bank credited ₹41.92 for UTR HDFCR52026102000012345"
        in settlements["setl_BLR_1020"]["bank_exception_reason"]
    )
    found_in = dict(
        warehouse.rows(
            f"select utr, utr_found_in from {warehouse.db('intermediate')}.int_bank_credits__utr_extracted"
        )
    )
    assert found_in == {
        "1568176960VXP0RJ": "narration",
        "629412345678": "ref_no",
        "HDFCR52026102000012345": "ref_no",
    }
