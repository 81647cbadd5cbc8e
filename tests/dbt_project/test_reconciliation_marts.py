"""`dbt build` on a real chDB warehouse holding the hand-made chain of dbt_scenario.py.

Every status rule of docs/reconciliation.md and its precedence is exercised by one row of the scenario;
the expected values below are worked out by hand (see the comments in dbt_scenario.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dbt_scenario as scenario
import pytest
from dbt_runner import dbt_failure, run_dbt, run_results

from core.settings import WarehouseSettings, warehouse_settings
from core.warehouse import Warehouse, open_warehouse
from ingestion.tables import create_raw_tables

AS_OF = date(2026, 10, 30)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WarehouseSettings, Path]]:
    """The scenario loaded into a fresh warehouse and `dbt build` run on it once for the module."""
    root = tmp_path_factory.mktemp("dbt_scenario")
    settings = warehouse_settings(f"chdb://{root / 'warehouse'}")
    with open_warehouse(settings) as warehouse:  # closed before dbt opens the directory
        create_raw_tables(warehouse)
        scenario.load(warehouse)
    result = run_dbt(settings, root, "build", "--vars", f"{{as_of: '{AS_OF.isoformat()}'}}")
    assert result.returncode == 0, dbt_failure(result)
    yield settings, root


@pytest.fixture(scope="module")
def warehouse(built: tuple[WarehouseSettings, Path]) -> Iterator[Warehouse]:
    settings, _ = built
    with open_warehouse(settings) as w:
        yield w


@pytest.fixture(scope="module")
def rows(warehouse: Warehouse) -> dict[str, dict[str, Any]]:
    mart = warehouse.dicts(f"select * from {warehouse.db('marts')}.fct_payment_reconciliation")
    by_id = {row["entity_id"]: row for row in mart}
    assert len(by_id) == len(mart), "entity ids are unique in the scenario"
    return by_id


def test_build_passes_every_model_and_data_test(built: tuple[WarehouseSettings, Path]) -> None:
    _, root = built
    statuses = run_results(root)
    assert len([uid for uid in statuses if uid.startswith("model.")]) >= 20
    assert len([uid for uid in statuses if uid.startswith("test.")]) >= 40
    not_clean = {uid: status for uid, status in statuses.items() if status not in ("success", "pass")}
    assert not_clean == {}  # no error, failure, or even warning on this consistent scenario


EXPECTED_STATUS = {
    # payments
    "pay_matched": "matched",  # card fee at the contract's later version (200 bps)
    "pay_fee_1p": "matched",  # fee off by exactly 1 paisa: within tolerance
    "pay_round": "matched",
    "pay_amt": "amount_mismatch",
    "pay_fee": "fee_mismatch",
    "pay_dup_first": "matched",  # the first capture of the order goes through the rules normally
    "pay_dup_second": "duplicate_payment",  # settled and bank-matched, but a second capture of the order
    "pay_bankdiff": "bank_unmatched",  # bank credit 1.00 short of the settlement's net
    "pay_mum_base": "matched",
    "pay_nobank": "bank_unmatched",  # no bank credit carries the settlement's UTR
    "pay_transit": "in_transit",
    "pay_edge": "in_transit",  # age 2 == T+2 (IST dates; in UTC it would be 3 and overdue)
    "pay_overdue": "settlement_overdue",
    "pay_capmis_1p": "amount_mismatch",  # captured 0.01 for a 150.00 order: known at capture
    "pay_capmis_usd": "amount_mismatch",  # captured in USD for an INR order
    "pay_capmis_ok": "in_transit",  # the right capture of that order: not a duplicate of the 1-paisa one
    # refunds
    "rfnd_ok": "matched",
    "rfnd_amt": "amount_mismatch",  # precedes bank_unmatched of its settlement
    "rfnd_fee": "fee_mismatch",  # precedes bank_unmatched of its settlement
    "rfnd_nobank": "bank_unmatched",
    "rfnd_transit": "in_transit",  # age 3 within the upi refund SLA of 5 days
    "rfnd_overdue": "settlement_overdue",  # age 35 beyond the card refund SLA of 7 days
    # gateway lines matching nothing in the bookings
    "adj_1": "orphan_gateway_line",
    "pay_ghost": "orphan_gateway_line",
    "rfnd_ghost": "orphan_gateway_line",
}


def test_one_row_per_payment_refund_and_orphan_line(rows: dict[str, dict[str, Any]]) -> None:
    # pay_matched's capture arrived twice under two event ids: still one row
    assert set(rows) == set(EXPECTED_STATUS)
    types = {entity_id: row["entity_type"] for entity_id, row in rows.items()}
    assert {e for e, t in types.items() if t == "payment"} == set(scenario.PAYMENTS) | set(
        scenario.MISMATCHED
    )
    assert {e for e, t in types.items() if t == "refund"} == set(scenario.REFUNDS)
    assert {e for e, t in types.items() if t == "gateway_line"} == {"adj_1", "pay_ghost", "rfnd_ghost"}


def test_every_status_rule(rows: dict[str, dict[str, Any]]) -> None:
    assert {entity_id: row["status"] for entity_id, row in rows.items()} == EXPECTED_STATUS


def test_ages_and_aging_buckets(rows: dict[str, dict[str, Any]]) -> None:
    expected = {
        # entity: (age_days, aging_bucket); matched rows have an empty bucket whatever their age
        "pay_matched": (20, ""),
        "pay_amt": (20, "8-30d"),
        "pay_dup_second": (20, "8-30d"),
        "pay_bankdiff": (12, "8-30d"),
        "pay_transit": (1, "0-2d"),  # captured 29 Oct IST (28 Oct UTC)
        "pay_edge": (2, "0-2d"),
        "pay_overdue": (10, "8-30d"),
        "rfnd_transit": (3, "3-7d"),
        "rfnd_overdue": (35, "31+d"),
        "rfnd_nobank": (17, "8-30d"),
        "adj_1": (19, "8-30d"),  # aged from the line's created_at
        "pay_ghost": (17, "8-30d"),
    }
    got = {e: (rows[e]["age_days"], rows[e]["aging_bucket"]) for e in expected}
    assert got == expected
    assert all(row["as_of_date"] == AS_OF for row in rows.values())
    assert all((row["aging_bucket"] == "") == (row["status"] == "matched") for row in rows.values())


def test_expected_fee_and_tax(rows: dict[str, dict[str, Any]]) -> None:
    expected = {
        "pay_matched": (1000, 180),  # card 500.00 at the later contract version: 200 bps, not 150
        "pay_fee_1p": (600, 108),  # the gateway charged 601: within ±1
        "pay_round": (7, 1),  # 6.5 rounds half up to 7; GST 1.26 -> 1
        "pay_amt": (900, 162),  # on the gateway amount (450.00) once settled
        "pay_fee": (100, 18),
        "pay_transit": (75, 14),  # not settled: on the booked amount; GST 13.5 rounds half up to 14
        "pay_edge": (200, 36),
        "rfnd_ok": (0, 0),
        "rfnd_fee": (0, 0),
        "pay_ghost": (None, None),
    }
    got = {e: (rows[e]["expected_fee_paise"], rows[e]["expected_tax_paise"]) for e in expected}
    assert got == expected


def test_gateway_amounts_fee_split_and_settlement(rows: dict[str, dict[str, Any]]) -> None:
    pay = rows["pay_matched"]
    assert (pay["booked_amount_paise"], pay["gateway_amount_paise"]) == (50000, 50000)
    assert (pay["fee_paise"], pay["tax_paise"], pay["net_settled_paise"]) == (1000, 180, 48820)  # fee - tax
    assert pay["gateway_fee_incl_tax_paise"] == 1180  # Razorpay's `fee`, as its report shows it
    assert (pay["settlement_id"], pay["settlement_utr"]) == ("setl_BLR_1012", "UTIBN62026101200001")
    assert pay["settled_at"].replace(tzinfo=UTC) == datetime(2026, 10, 11, 20, 0, tzinfo=UTC)
    assert pay["bank_credit_date"] == date(2026, 10, 12)
    assert pay["event_date"] == date(2026, 10, 10)
    assert pay["settlement_due_date"] == date(2026, 10, 12)
    assert pay["refund_deadline_date"] is None

    amt = rows["pay_amt"]
    assert (amt["booked_amount_paise"], amt["gateway_amount_paise"]) == (50000, 45000)

    refund = rows["rfnd_fee"]
    assert (refund["booked_amount_paise"], refund["gateway_amount_paise"]) == (5000, 5000)
    assert (refund["fee_paise"], refund["tax_paise"], refund["net_settled_paise"]) == (100, 18, -5118)
    assert refund["gateway_fee_incl_tax_paise"] == 118
    assert refund["payment_id"] == "pay_fee_1p"
    assert refund["order_id"] == "order_fee_1p"

    transit = rows["pay_transit"]
    for column in ("gateway_amount_paise", "gateway_fee_incl_tax_paise", "fee_paise", "tax_paise",
                   "net_settled_paise", "settled_at"):  # fmt: skip
        assert transit[column] is None, column
    assert (transit["settlement_id"], transit["settlement_utr"], transit["bank_credit_date"]) == (
        "",
        "",
        None,
    )
    assert transit["event_date"] == date(2026, 10, 29)  # 20:00 UTC on 28 Oct is 29 Oct in IST

    ghost = rows["pay_ghost"]
    assert (ghost["booked_amount_paise"], ghost["gateway_amount_paise"], ghost["net_settled_paise"]) == (
        0,
        7000,
        6959,
    )
    assert ghost["payment_id"] == "pay_ghost"
    assert ghost["bank_credit_date"] is None  # its settlement never reached the bank


def test_capture_differing_from_its_order_is_an_amount_mismatch(rows: dict[str, dict[str, Any]]) -> None:
    """payment.capture.mismatched: booked = the order's amount, gateway = what was captured, before settling."""
    one_paisa, usd = rows["pay_capmis_1p"], rows["pay_capmis_usd"]
    assert (one_paisa["booked_amount_paise"], one_paisa["gateway_amount_paise"]) == (15000, 1)
    assert (usd["booked_amount_paise"], usd["gateway_amount_paise"]) == (15000, 15000)
    assert one_paisa["exception_reason"] == (
        "captured ₹0.01 for order order_capmis of ₹150.00; the booking was not confirmed by it: "
        "refund it or collect the difference"
    )
    assert usd["exception_reason"].startswith(
        "captured USD 15000 (minor units) for order order_capusd of ₹150.00"
    )
    assert one_paisa["settlement_id"] == "" and one_paisa["net_settled_paise"] is None


def test_branch_of_every_row(rows: dict[str, dict[str, Any]]) -> None:
    assert rows["pay_mum_base"]["branch_id"] == "MUM01"
    assert rows["rfnd_nobank"]["branch_id"] == "MUM01"  # the refunded payment's branch
    assert rows["rfnd_amt"]["branch_id"] == "BLR01"
    assert rows["pay_ghost"]["branch_id"] == "MUM01"  # from the line's notes
    assert rows["rfnd_ghost"]["branch_id"] == "MUM01"  # no notes: the settlement's branch
    assert rows["adj_1"]["branch_id"] == "BLR01"  # no notes: the settlement's branch
    assert rows["pay_ghost"]["booking_id"] == "bk_unknown"
    assert rows["rfnd_ok"]["booking_id"] == "bk_dup"


def test_exception_reasons_name_the_numbers(rows: dict[str, dict[str, Any]]) -> None:
    reason = {entity_id: row["exception_reason"] for entity_id, row in rows.items()}
    assert all(reason[e] == "" for e, status in EXPECTED_STATUS.items() if status == "matched")
    assert all(reason[e] for e, status in EXPECTED_STATUS.items() if status != "matched")

    assert reason["pay_amt"] == "gateway amount ₹450.00 differs from booked ₹500.00"
    assert reason["rfnd_amt"] == "gateway amount ₹150.00 differs from refunded ₹200.00"
    assert "₹1.50 + GST ₹0.27" in reason["pay_fee"] and "₹1.00 + GST ₹0.18" in reason["pay_fee"]
    assert "₹1.00 + GST ₹0.18 on a refund" in reason["rfnd_fee"]
    assert "pay_dup_first" in reason["pay_dup_second"] and "order_dup" in reason["pay_dup_second"]
    assert "HDFCN52026101500002" in reason["pay_nobank"] and "₹347.23" in reason["pay_nobank"]
    assert reason["rfnd_nobank"] == reason["pay_nobank"]
    assert "bank credited ₹41.92" in reason["pay_bankdiff"] and "nets ₹42.92" in reason["pay_bankdiff"]
    assert "2026-10-31" in reason["pay_transit"] and "T+2" in reason["pay_transit"]
    assert "2026-10-22" in reason["pay_overdue"] and "10 days" in reason["pay_overdue"]
    assert "refund SLA of 7 days" in reason["rfnd_overdue"]
    assert "pay_ghost" in reason["pay_ghost"] and "₹70.00" in reason["pay_ghost"]
    assert "adjustment" in reason["adj_1"]


def test_refunds_have_their_own_deadline(rows: dict[str, dict[str, Any]]) -> None:
    """settlement_due_date is the payments' T+N date only; a refund's clock is refund_deadline_date."""
    assert rows["rfnd_transit"]["refund_deadline_date"] == date(2026, 11, 1)  # 27 Oct + upi SLA of 5 days
    assert rows["rfnd_overdue"]["refund_deadline_date"] == date(2026, 10, 2)  # 25 Sep + card SLA of 7 days
    assert "(until 2026-11-01)" in rows["rfnd_transit"]["exception_reason"]
    for entity_id, row in rows.items():
        if row["entity_type"] == "refund":
            assert row["settlement_due_date"] is None, entity_id
        if row["entity_type"] != "refund":
            assert row["refund_deadline_date"] is None, entity_id


def test_branch_daily_settlements(warehouse: Warehouse) -> None:
    daily = warehouse.dicts(
        f"select * from {warehouse.db('marts')}.fct_branch_daily_settlements "
        "order by branch_id, settlement_date"
    )
    columns = [
        "branch_id",
        "settlement_date",
        "settlement_id",
        "settlement_utr",
        "gross_paise",
        "fee_paise",
        "tax_paise",
        "refund_paise",
        "adjustment_paise",
        "net_paise",
        "bank_credited_paise",
        "difference_paise",
        "bank_credit_date",
        "is_bank_matched",
    ]
    got = [tuple(row[c] for c in columns) for row in daily]
    d = date
    assert got == [
        # gross = 500.00 + 300.00 + 13.00 + 450.00 + 200.00 + 2 x 100.00; fee 10.00 + 6.01 + 0.07 + 9.00 + 1.50
        # + 2 x 0.50; GST 1.80 + 1.08 + 0.01 + 1.62 + 0.27 + 2 x 0.09; one refund of 100.00; a 5.00 adjustment
        ("BLR01", d(2026, 10, 12), "setl_BLR_1012", "UTIBN62026101200001", 166300, 2758, 496, 10000, -500,
         152546, 152546, 0, d(2026, 10, 12), True),
        # 250.00 - 5.00 - 0.90 - refunds (150.00 + 50.00 + 1.18 refund fee) = 42.92; the bank got 41.92
        ("BLR01", d(2026, 10, 20), "setl_BLR_1020", "UTIBN62026102000003", 25000, 600, 108, 20000, 0,
         4292, 4192, -100, d(2026, 10, 20), False),
        ("MUM01", d(2026, 10, 7), "setl_MUM_1007", "HDFCN52026100700004", 60000, 300, 54, 0, 0,
         59646, 59646, 0, d(2026, 10, 7), True),
        # 400.00 + 70.00 (orphan) - 2.35 - 0.42 - refunds 100.00 + 20.00 (orphan); never credited
        ("MUM01", d(2026, 10, 15), "setl_MUM_1015", "HDFCN52026101500002", 47000, 235, 42, 12000, 0,
         34723, 0, -34723, None, False),
    ]  # fmt: skip
    assert all(row["settlement_count"] == 1 and row["tenant_id"] == scenario.TENANT for row in daily)


def test_mart_net_adds_up_to_the_settlements(warehouse: Warehouse) -> None:
    marts = warehouse.db("marts")
    mart_net = warehouse.scalar(f"select sum(net_settled_paise) from {marts}.fct_payment_reconciliation")
    daily_net = warehouse.scalar(f"select sum(net_paise) from {marts}.fct_branch_daily_settlements")
    assert mart_net == daily_net == 152546 + 4292 + 59646 + 34723


def test_reference_data_latest_version_wins(warehouse: Warehouse) -> None:
    marts = warehouse.db("marts")
    branches = warehouse.rows(
        f"select branch_id, branch_name, version_count from {marts}.dim_branches order by 1"
    )
    assert branches == [("BLR01", "Indiranagar Clinic", 2), ("MUM01", "Andheri", 1)]
    fees = warehouse.rows(f"select doctor_id, consultation_fee_paise from {marts}.dim_doctors order by 1")
    assert fees == [("doc_1", 50000), ("doc_2", 65000)]


def test_as_of_comes_from_the_var_and_the_data_date_is_in_ist(warehouse: Warehouse) -> None:
    resolved = warehouse.dicts(f"select * from {warehouse.db('intermediate')}.int_as_of_date__resolved")
    # the latest event is 19:00 UTC on 29 Oct: 30 Oct in IST
    assert resolved == [{"as_of_date": AS_OF, "as_of_source": "var", "latest_data_date": date(2026, 10, 30)}]


def test_mart_columns_follow_the_contract(warehouse: Warehouse) -> None:
    columns = warehouse.rows(
        "select name, type from system.columns where database = {db:String} "
        "and table = 'fct_payment_reconciliation' order by position",
        {"db": warehouse.db("marts")},
    )
    assert columns[:24] == [
        ("tenant_id", "String"),
        ("branch_id", "String"),
        ("entity_type", "String"),
        ("entity_id", "String"),
        ("booking_id", "String"),
        ("payment_id", "String"),
        ("order_id", "String"),
        ("method", "String"),
        ("booked_amount_paise", "Int64"),
        ("gateway_amount_paise", "Nullable(Int64)"),
        ("gateway_fee_incl_tax_paise", "Nullable(Int64)"),
        ("fee_paise", "Nullable(Int64)"),
        ("tax_paise", "Nullable(Int64)"),
        ("expected_fee_paise", "Nullable(Int64)"),
        ("expected_tax_paise", "Nullable(Int64)"),
        ("net_settled_paise", "Nullable(Int64)"),
        ("settlement_id", "String"),
        ("settlement_utr", "String"),
        ("settled_at", "Nullable(DateTime('UTC'))"),
        ("bank_credit_date", "Nullable(Date)"),
        ("status", "String"),
        ("age_days", "Int64"),
        ("aging_bucket", "String"),
        ("exception_reason", "String"),
    ]
