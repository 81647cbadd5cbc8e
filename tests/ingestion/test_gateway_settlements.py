"""Other gateways' settlement reports: Cashfree's Settlement Recon report, a chain's own YAML mapping, and
files that fit no format. Built by hand from Cashfree's public report specification
(https://www.cashfree.com/docs/payments/reports/settlement-recon-reports: event id and type, sale type
CREDIT/DEBIT, event amount and event settlement amount in rupees, IST date-times, settlement id and UTR),
loaded into a real chDB warehouse; every expected number is worked out in the comments."""

from __future__ import annotations

from pathlib import Path

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.gateway_settlements import FEED
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables

CONTEXT = LoadContext(tenant_id="tnt_test")

# The Dashboard's headings (normalised to the API's names: "Event Settlement Amount" -> event_settlement_amount),
# with the customer columns a real download carries (PII the loader never reads).
CASHFREE = """Event ID,Event Type,Sale Type,Event Currency,Event Time,Event Status,Event Amount,Event Settlement Amount,Payment Service Charge,Payment Service Tax,Order ID,CF Payment ID,CF Settlement ID,Settlement UTR,Settlement Date,Customer Name,Customer Phone
5114910810523,PAYMENT,CREDIT,INR,2026-10-01 10:05:12,SUCCESS,510.00,498.57,9.69,1.74,bk_1-deposit,5114910810523,208386848,AXISCN1169361047,2026-10-03 15:35:50,Asha,9100000001
5114910810524,PAYMENT,CREDIT,INR,2026-10-01 11:00:00,SUCCESS,1000.00,977.58,19.00,3.42,bk_2-deposit,5114910810524,208386848,AXISCN1169361047,2026-10-03 15:35:50,Ravi,9100000002
REF_bk_2_1,REFUND,DEBIT,INR,2026-10-02 09:00:00,SUCCESS,200.00,200.00,0.00,0.00,bk_2-deposit,5114910810524,208386848,AXISCN1169361047,2026-10-03 15:35:50,Ravi,9100000002
4387450090,CHARGEBACK,DEBIT,INR,2026-10-02 12:00:00,SUCCESS,50.00,50.00,,,bk_3-deposit,5114910810599,208386848,AXISCN1169361047,2026-10-03 15:35:50,,
5114910810525,PAYMENT,REFUNDED,INR,2026-10-01 12:00:00,SUCCESS,300.00,293.00,6.00,1.00,bk_4-deposit,5114910810525,208386848,AXISCN1169361047,2026-10-03 15:35:50,,
5114910810526,PAYMENT,CREDIT,INR,2026-10-01 13:00:00,SUCCESS,"12,34",10.00,1.00,0.18,bk_5-deposit,5114910810526,208386848,AXISCN1169361047,2026-10-03 15:35:50,,
"""


def _write(root: Path, gateway: str, name: str, text: str) -> Path:
    folder = root / "settlements" / gateway
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder / name


def _load(warehouse: Warehouse, path: Path):
    create_raw_tables(warehouse)
    return load_file(warehouse, FEED, path, CONTEXT, source=f"{path.parent.name}/{path.name}")


def test_cashfree_report_loads_in_paise_with_directions_and_bad_rows_quarantined(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    result = _load(warehouse, _write(tmp_path, "cashfree", "recon-2026-10-03.csv", CASHFREE))
    assert result.conserved and (result.rows_read, result.rows_loaded, result.rows_quarantined) == (6, 4, 2)
    rows = warehouse.rows(
        "select entity_id, type, credit, debit, amount, fee, tax, toString(created_at), toString(settled_at), "
        "settlement_id, settlement_utr, payment_id, gateway, profile "
        "from raw.gateway_settlement_lines order by _source_line"
    )
    common = ("208386848", "AXISCN1169361047")
    profile = ("cashfree", "cashfree_settlement_recon")
    assert rows == [
        # 510.00 less 9.69 charge and 1.74 GST = 498.57; fee incl. GST 11.43; 10:05:12 IST = 04:35:12 UTC
        ("5114910810523", "payment", 49857, 0, 51000, 1143, 174, "2026-10-01 04:35:12", "2026-10-03 10:05:50",
         *common, "5114910810523", *profile),
        ("5114910810524", "payment", 97758, 0, 100000, 2242, 342, "2026-10-01 05:30:00", "2026-10-03 10:05:50",
         *common, "5114910810524", *profile),
        ("REF_bk_2_1", "refund", 0, 20000, 20000, 0, 0, "2026-10-02 03:30:00", "2026-10-03 10:05:50",
         *common, "5114910810524", *profile),
        # a chargeback is an adjustment of the settlement; empty charges are 0
        ("4387450090", "adjustment", 0, 5000, 5000, 0, 0, "2026-10-02 06:30:00", "2026-10-03 10:05:50",
         *common, "5114910810599", *profile),
    ]  # fmt: skip
    # net of the settlement: 498.57 + 977.58 - 200.00 - 50.00 = 1,226.15
    assert warehouse.scalar("select sum(credit) - sum(debit) from raw.gateway_settlement_lines") == 122615
    reasons = dict(
        warehouse.rows(
            "select _source_line, reason from raw.quarantine where _source_file = 'cashfree/recon-2026-10-03.csv'"
        )
    )
    assert reasons == {
        6: "column 'sale_type' has 'REFUNDED'; expected CREDIT or DEBIT",
        7: "column 'amount' has '12,34', not an amount in rupees with at most two decimals (e.g. 294.69)",
    }
    # the customer's name and phone are never stored in the raw table
    assert "customer" not in " ".join(
        n
        for (n,) in warehouse.rows("select name from system.columns where table = 'gateway_settlement_lines'")
    )


def test_a_report_that_fits_no_format_is_rejected_naming_the_closest(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    text = CASHFREE.replace("Sale Type", "Direction").replace("CF Settlement ID", "Batch")
    result = _load(warehouse, _write(tmp_path, "cashfree", "renamed.csv", text))
    assert result.status == "rejected" and result.rows_quarantined == result.rows_read == 7
    assert "closest is cashfree_settlement_recon" in result.note
    assert "lacks its column(s) cf_settlement_id, sale_type" in result.note


def test_a_chains_yaml_mapping_reads_another_gateway(warehouse: Warehouse, tmp_path: Path) -> None:
    folder = tmp_path / "settlements" / "payu"
    folder.mkdir(parents=True)
    (folder / "profile.yaml").write_text(
        """description: PayU settlement export as our finance team downloads it
amount_unit: rupees
time_format: iso8601
columns:
  entity_id: Txn ID
  type: Txn Type
  credit: Credit (Rs)
  debit: Debit (Rs)
  amount: Amount (Rs)
  currency: Currency
  fee: Fee incl GST (Rs)
  tax: GST (Rs)
  created_at: Txn Time
  settled_at: Settled On
  settlement_id: Settlement Ref
  settlement_utr: Bank UTR
  payment_id: Payment ID
optional: [payment_id]
type_values: {sale: payment}
constants: {settled: "1"}
"""
    )
    text = (
        "Txn ID,Txn Type,Amount (Rs),Credit (Rs),Debit (Rs),Fee incl GST (Rs),GST (Rs),Currency,Txn Time,"
        "Settled On,Settlement Ref,Bank UTR\n"
        # 250.00 less 5.90 (5.00 + 0.90 GST) = 244.10
        "T1,SALE,250.00,244.10,0,5.90,0.90,INR,2026-10-01T10:00:00+05:30,2026-10-03T09:00:00Z,S1,UTIBN62026100300001\n"
    )
    result = _load(warehouse, _write(tmp_path, "payu", "2026-10-03.csv", text))
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (1, 1, 0), result
    assert warehouse.rows(
        "select gateway, profile, type, credit, fee, tax, toString(created_at) from raw.gateway_settlement_lines "
        "where gateway = 'payu'"
    ) == [("payu", "payu_custom", "payment", 24410, 590, 90, "2026-10-01 04:30:00")]


def test_a_bad_mapping_or_no_mapping_rejects_with_one_line_saying_what_to_do(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    bad = tmp_path / "settlements" / "payu"
    bad.mkdir(parents=True)
    (bad / "profile.yaml").write_text("amount_unit: dollars\ntime_format: iso8601\ncolumns: {}\n")
    result = _load(warehouse, _write(tmp_path, "payu", "a.csv", "x\n1\n"))
    assert result.status == "rejected" and result.note.startswith("profile.yaml: ")
    assert "\n" not in result.note
    result = _load(warehouse, _write(tmp_path, "juspay", "a.csv", "y\n2\n"))
    assert result.status == "rejected"
    assert "write its column mapping in settlements/juspay/profile.yaml" in result.note


def test_a_rejected_file_is_read_again_once_its_mapping_is_written(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """The rejection says to write settlements/<gateway>/profile.yaml; doing so and re-running loads it."""
    text = (
        "Txn,Kind,Gross,Net,Charges,GST,Cur,At,Paid,Batch\n"
        "R1,sale,100.00,97.64,2.36,0.36,INR,2026-10-01 10:00:00,2026-10-03 10:00:00,B1\n"
    )
    path = _write(tmp_path, "razorpayx", "2026-10-03.csv", text)
    first = _load(warehouse, path)
    assert first.status == "rejected" and "settlements/razorpayx/profile.yaml" in first.note
    assert _load(warehouse, path).status == "already_loaded"  # nothing changed: not read again
    (path.parent / "profile.yaml").write_text(
        "description: our other gateway\namount_unit: rupees\ntime_format: ist_local\n"
        "columns: {entity_id: Txn, type: Kind, amount: Gross, credit: Net, fee: Charges, tax: GST,"
        " currency: Cur, created_at: At, settled_at: Paid, settlement_id: Batch}\n"
        "type_values: {sale: payment}\nconstants: {settled: '1', debit: '0'}\n"
    )
    second = _load(warehouse, path)
    assert (second.status, second.rows_loaded, second.rows_quarantined) == ("loaded", 1, 0), second
    assert warehouse.rows(
        "select credit, fee from raw.gateway_settlement_lines where gateway = 'razorpayx'"
    ) == [(9764, 236)]
    # the rejection's quarantine rows went with it; the ledger keeps both loads
    assert (
        warehouse.scalar("select count() from raw.quarantine where _source_file = 'razorpayx/2026-10-03.csv'")
        == 0
    )
    assert warehouse.rows(
        "select status from raw.load_ledger where source_file = 'razorpayx/2026-10-03.csv' order by finished_at"
    ) == [("rejected",), ("loaded",)]
    assert _load(warehouse, path).status == "already_loaded"
