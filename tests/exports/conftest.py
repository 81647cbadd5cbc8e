"""A reconciliation mart built by hand in a throwaway chDB warehouse, one per test module, with the
branches, the branch-day settlements and a quarantine beside it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from core.settings import warehouse_settings
from core.warehouse import Warehouse, open_warehouse

# The columns of marts.fct_payment_reconciliation, in order (a subset of the dbt model's; the export
# reads the column list from the table, whatever it is).
MART_COLUMNS: list[tuple[str, str]] = [
    ("tenant_id", "String"),
    ("branch_id", "String"),
    ("entity_type", "String"),
    ("entity_id", "String"),
    ("booking_id", "String"),
    ("payment_id", "String"),
    ("order_id", "String"),
    ("method", "String"),
    ("booked_amount_paise", "Nullable(Int64)"),
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
    ("event_at", "DateTime64(3, 'UTC')"),
    ("event_date", "Date"),
    ("settlement_due_date", "Nullable(Date)"),
    ("refund_deadline_date", "Nullable(Date)"),
    ("as_of_date", "Date"),
]
COLUMN_NAMES = [name for name, _ in MART_COLUMNS]
TENANT = "t_acme"
MART_AS_OF = date(2026, 10, 31)  # the mart's own as-of date (exports default to it)
IST_OFFSET = timedelta(hours=5, minutes=30)
BRANCH_NAMES = {"br_blr": "Indiranagar Clinic", "br_pune": "Koregaon Park"}
PHI_MARKER = "pat_SECRET_patient_9876"  # in every quarantined raw_line: must never reach an export


def _row(
    branch: str,
    entity_type: str,
    entity_id: str,
    status: str,
    *,
    booked: int | None,
    gateway: int | None = None,
    fee: int | None = None,
    tax: int | None = None,
    net: int | None = None,
    settled_at: datetime | None = None,
    age: int = 0,
    bucket: str = "",
    reason: str = "",
    method: str = "upi",
    event_at: datetime | None = None,
) -> dict[str, Any]:
    settled = settled_at is not None
    event_at = event_at or datetime(2026, 10, 31, 4, 30, 15, tzinfo=UTC) - timedelta(days=age)
    event_date = (event_at + IST_OFFSET).date()
    return {
        "as_of_date": MART_AS_OF,
        "tenant_id": TENANT,
        "branch_id": branch,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "booking_id": "" if entity_type == "gateway_line" else f"bk_{entity_id}",
        "payment_id": entity_id if entity_type != "refund" else f"pay_of_{entity_id}",
        "order_id": "" if entity_type == "gateway_line" else f"order_{entity_id}",
        "method": method,
        "booked_amount_paise": booked,
        "gateway_amount_paise": gateway,
        "gateway_fee_incl_tax_paise": None if fee is None or tax is None else fee + tax,
        "fee_paise": fee,
        "tax_paise": tax,
        "expected_fee_paise": None if booked is None else booked * 2 // 100,
        "expected_tax_paise": None if booked is None else booked * 2 // 100 * 18 // 100,
        "net_settled_paise": net,
        "settlement_id": f"setl_{branch}_1" if settled else "",
        "settlement_utr": f"UTIBN6202610030{len(branch)}42" if settled else "",
        "settled_at": settled_at,
        "bank_credit_date": settled_at.date() if settled else None,
        "status": status,
        "age_days": age,
        "aging_bucket": bucket,
        "exception_reason": reason,
        "event_at": event_at,
        "event_date": event_date,
        "settlement_due_date": event_date + timedelta(days=2) if entity_type == "payment" else None,
        "refund_deadline_date": event_date + timedelta(days=5) if entity_type == "refund" else None,
    }


AT = datetime(2026, 10, 3, 4, 30, tzinfo=UTC)
LATE_UTC = datetime(2026, 10, 3, 20, 0, tzinfo=UTC)  # already 4 October in IST

ROWS: list[dict[str, Any]] = [
    # br_blr
    _row("br_blr", "payment", "pay_B2", "matched", booked=75050, gateway=75050, fee=1501, tax=270,
         net=73279, settled_at=AT, age=5),
    _row("br_blr", "payment", "pay_B1", "matched", booked=50000, gateway=50000, fee=1000, tax=180,
         net=48820, settled_at=LATE_UTC, age=5, method="card"),
    _row("br_blr", "payment", "pay_B3", "in_transit", booked=60000, age=1, bucket="0-2d",
         reason="not settled yet; due in the settlement of 2026-10-31",
         event_at=datetime(2026, 10, 29, 20, 0, 0, 123000, tzinfo=UTC)),  # 30 Oct 01:30 IST
    _row("br_blr", "payment", "pay_B6", "matched", booked=100051900, gateway=100051900, fee=2001038,
         tax=360187, net=97690675, settled_at=AT, age=5),  # ₹10,00,519.00
    _row("br_blr", "refund", "rfnd_B2", "settlement_overdue", booked=1234567890, age=12, bucket="8-30d",
         reason="refund 1,23,45,678.90 overdue"),  # a crore refund: −₹1,23,45,678.90 on the Summary
    _row("br_blr", "refund", "rfnd_B1", "settlement_overdue", booked=20000, age=9, bucket="8-30d",
         reason='refund 200.00 not deducted by any settlement, 9 days after "initiated"'),
    _row("br_blr", "payment", "pay_B4", "amount_mismatch", booked=50000, gateway=45000, fee=900,
         tax=162, net=43938, settled_at=AT, age=4, bucket="3-7d",
         reason="gateway amount 450.00 differs from booked 500.00"),
    _row("br_blr", "payment", "pay_B5", "fee_mismatch", booked=99999, gateway=99999, fee=4000,
         tax=720, net=95279, settled_at=AT, age=4, bucket="3-7d",
         reason="fee ₹40.00 differs from expected ₹19.99"),
    _row("br_blr", "gateway_line", "pay_ORPH1", "orphan_gateway_line", booked=None, gateway=30001,
         fee=600, tax=108, net=29401, settled_at=AT, age=31, bucket="31+d",
         reason="settled payment pay_ORPH1 is unknown to the bookings"),
    # br_pune
    _row("br_pune", "payment", "pay_P1", "matched", booked=1, gateway=1, fee=0, tax=0, net=1,
         settled_at=AT, age=3),
    _row("br_pune", "refund", "rfnd_P1", "matched", booked=12345, gateway=12345, fee=0, tax=0,
         net=-12345, settled_at=AT, age=3),
    _row("br_pune", "payment", "pay_P2", "duplicate_payment", booked=50000, gateway=50000, fee=1000,
         tax=180, net=48820, settled_at=AT, age=2, bucket="0-2d",
         reason="order order_pay_P2 was already paid by pay_P0"),
    _row("br_pune", "payment", "pay_P3", "bank_unmatched", booked=102050, gateway=102050, fee=2041,
         tax=367, net=99642, settled_at=AT, age=6, bucket="3-7d",
         reason="=bank credit 1,000.00 differs from settlement net 996.42"),
    _row("br_pune", "payment", "pay_P4", "in_transit", booked=40000, age=0, bucket="0-2d",
         reason="not settled yet"),
    _row("br_pune", "refund", "rfnd_P2", "in_transit", booked=15000, age=2, bucket="0-2d",
         reason="refund within its SLA"),
    _row("br_pune", "gateway_line", "adj_P1", "orphan_gateway_line", booked=None, gateway=-2500,
         fee=0, tax=0, net=-2500, settled_at=AT, age=10, bucket="8-30d",
         reason="adjustment line adj_P1 matches no payment"),
]  # fmt: skip


def create_mart(warehouse: Warehouse, rows: list[dict[str, Any]], *, beside: bool = True) -> None:
    """The reconciliation mart holding `rows`; `beside`: dim_branches, fct_branch_daily_settlements and a
    raw quarantine too (else none of them)."""
    marts, raw = warehouse.db("marts"), warehouse.db("raw")
    warehouse.command(f"create database if not exists `{marts}`")
    warehouse.command(f"create database if not exists `{raw}`")
    for table in (f"`{marts}`.fct_payment_reconciliation", f"`{marts}`.dim_branches",
                  f"`{marts}`.fct_branch_daily_settlements", f"`{raw}`.quarantine", f"`{raw}`.load_ledger"):  # fmt: skip
        warehouse.command(f"drop table if exists {table}")
    columns = ", ".join(f"`{name}` {ch_type}" for name, ch_type in MART_COLUMNS)
    warehouse.command(
        f"create table `{marts}`.fct_payment_reconciliation ({columns}) engine = MergeTree order by tuple()"
    )
    if rows:
        warehouse.client.insert(
            f"{marts}.fct_payment_reconciliation",
            [[row[name] for name in COLUMN_NAMES] for row in rows],
            column_names=COLUMN_NAMES,
        )
    if not beside:
        return
    warehouse.command(
        f"create table `{marts}`.dim_branches (tenant_id String, branch_id String, branch_name String, "
        "city String, state String) engine = MergeTree order by tuple()"
    )
    warehouse.client.insert(
        f"{marts}.dim_branches",
        [[TENANT, branch, name, "City", "State"] for branch, name in BRANCH_NAMES.items()],
        column_names=["tenant_id", "branch_id", "branch_name", "city", "state"],
    )
    warehouse.command(
        f"create table `{marts}`.fct_branch_daily_settlements (tenant_id String, branch_id String, "
        "settlement_date Date, settlement_count Int64, settlement_id String, settlement_utr String, "
        "payment_line_count Int64, refund_line_count Int64, other_line_count Int64, gross_paise Int64, "
        "fee_paise Int64, tax_paise Int64, refund_paise Int64, adjustment_paise Int64, net_paise Int64, "
        "bank_credited_paise Int64, difference_paise Int64, bank_credit_date Nullable(Date), "
        "is_bank_matched Bool) engine = MergeTree order by tuple()"
    )
    warehouse.client.insert(f"{marts}.fct_branch_daily_settlements", BRANCH_DAYS)
    warehouse.command(
        f"create table `{raw}`.quarantine (feed String, _batch_id String, _source_file String, "
        "_source_line UInt64, raw_line String, reason String) engine = MergeTree order by tuple()"
    )
    warehouse.command(
        f"create table `{raw}`.load_ledger (_batch_id String) engine = MergeTree order by tuple()"
    )
    warehouse.client.insert(f"{raw}.quarantine", QUARANTINE, column_names=QUARANTINE_COLUMNS)
    warehouse.client.insert(f"{raw}.load_ledger", [["b1"], ["b2"]], column_names=["_batch_id"])


BRANCH_DAYS = [
    [TENANT, "br_blr", date(2026, 10, 3), 1, "setl_br_blr_1", "UTIBN6202610030642", 5, 1, 0, 100326949,
     2008439, 361529, 20000, 0, 97936981, 97936981, 0, date(2026, 10, 3), True],
    [TENANT, "br_pune", date(2026, 10, 3), 1, "setl_br_pune_1", "UTIBN6202610030742", 3, 1, 1, 152051,
     3041, 547, 12345, -2500, 133618, 100000, -33618, date(2026, 10, 3), False],
]  # fmt: skip
QUARANTINE_COLUMNS = ["feed", "_batch_id", "_source_file", "_source_line", "raw_line", "reason"]
QUARANTINE = [
    ["booking_events", "b1", "events/2026-10-02.ndjson", 17, f'{{"patient_id": "{PHI_MARKER}"',
     "not valid JSON: the line ends inside an object"],
    ["razorpay_settlements", "b2", "settlements/razorpay/2026-10-03.csv", 4, f"pay_X,{PHI_MARKER},XYZ",
     "currency 'XYZ': only INR settlements are supported"],
    ["razorpay_settlements", "uncommitted", "settlements/razorpay/2026-10-04.csv", 2, PHI_MARKER,
     "a load that died before its ledger row: not shown"],
]  # fmt: skip


@pytest.fixture(scope="module")
def module_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """A fresh chDB data directory for the test module (chDB holds one directory per process)."""
    path = tmp_path_factory.mktemp("warehouse")
    with open_warehouse(warehouse_settings(f"chdb://{path}/wh")) as warehouse:
        yield warehouse


@pytest.fixture(scope="session")
def make_mart() -> Callable[[Warehouse, list[dict[str, Any]]], None]:
    return create_mart


@pytest.fixture(scope="session")
def mart_rows() -> list[dict[str, Any]]:
    """One row per (branch, status) or more: every status, both branches, NULLs, negatives, odd text."""
    return [dict(row) for row in ROWS]


@pytest.fixture(scope="session")
def mart_column_names() -> list[str]:
    return list(COLUMN_NAMES)


@pytest.fixture(scope="session")
def phi_marker() -> str:
    """Text in every quarantined raw_line: patient-linked, so no export may hold it."""
    return PHI_MARKER


@pytest.fixture(scope="session")
def make_row() -> Callable[..., dict[str, Any]]:
    """The row builder of `mart_rows`, for a test that needs more rows of its own."""
    return _row
