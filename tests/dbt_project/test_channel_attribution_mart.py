"""fct_channel_attribution_daily through real dbt on chDB: hand-made booking events of five bookings from
four channels, and the daily rows worked out by hand (in the comments), not by the code under test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from dbt_runner import dbt_failure, mart_column_types, run_dbt, run_results
from dbt_scenario import insert

from core.settings import WarehouseSettings, warehouse_settings
from core.warehouse import open_warehouse
from ingestion.feeds.booking_events.spec import EVENTS as BOOKING_EVENTS
from ingestion.feeds.reference.spec import BRANCHES as REFERENCE_BRANCHES
from ingestion.tables import create_raw_tables

TENANT = "t_channels"
MART = "fct_channel_attribution_daily"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _events() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []

    def add(event_type: str, branch: str, booking: str, at: str, data: dict[str, Any]) -> None:
        events.append(
            {"event_id": f"evt_{len(events) + 1:04d}", "specversion": "1.0", "event_type": event_type,
             "source": f"mymedic/booking/{branch}", "subject": booking, "event_time": utc(at),
             "datacontenttype": "application/json", "tenant_id": TENANT, "branch_id": branch,
             "data": json.dumps({"booking_id": booking, **data})}
        )  # fmt: skip

    def booked(branch: str, booking: str, at: str, **codes: str) -> None:
        add("appointment.booked", branch, booking, at,
            {"patient_id": "pt_1", "branch_id": branch, "doctor_id": "doc_1", "slot_start": "2026-10-09T05:00:00Z",
             "visit_type": "in_person", "fee_paise": 50_000, **codes})  # fmt: skip

    def paid(branch: str, booking: str, payment: str, order: str, amount: int, at: str) -> None:
        add("payment.deposit.paid", branch, booking, at,
            {"payment_id": payment, "order_id": order, "patient_id": "pt_1", "branch_id": branch,
             "amount_paise": amount, "currency": "INR", "method": "upi", "gateway": "razorpay",
             "captured_at": at.replace(" ", "T") + ":00Z"})  # fmt: skip

    def refunded(branch: str, booking: str, refund: str, payment: str, amount: int, at: str) -> None:
        add("payment.refund.initiated", branch, booking, at,
            {"refund_id": refund, "payment_id": payment, "amount_paise": amount, "reason": "cancelled"})  # fmt: skip

    # an event older than demand channels: no channel, no campaign -> portal, ''
    booked("BLR01", "bk_old", "2026-10-05 04:00")
    paid("BLR01", "bk_old", "pay_old", "order_old", 15_000, "2026-10-05 04:05")
    add("appointment.completed", "BLR01", "bk_old", "2026-10-06 06:00", {})
    paid("BLR01", "bk_old", "pay_old_bal", "order_old_bal", 35_000, "2026-10-06 06:30")
    # 19:00 UTC on 5 Oct is 00:30 IST on 6 Oct: booked and paid on the 6th
    booked("BLR01", "bk_qr1", "2026-10-05 19:00", channel="qr", campaign="waiting-room")
    paid("BLR01", "bk_qr1", "pay_qr1", "order_qr1", 15_000, "2026-10-05 19:05")
    add("appointment.no_show", "BLR01", "bk_qr1", "2026-10-07 06:00", {})
    add("appointment.no_show", "BLR01", "bk_qr1", "2026-10-07 06:00", {})  # delivered twice: one no-show
    booked("BLR01", "bk_qr2", "2026-10-06 05:00", channel="qr", campaign="waiting-room")
    paid("BLR01", "bk_qr2", "pay_qr2", "order_qr2", 15_000, "2026-10-06 05:10")
    # a second capture of the paid order, refunded at once: neither counts
    paid("BLR01", "bk_qr2", "pay_qr2_dup", "order_qr2", 15_000, "2026-10-06 05:20")
    refunded("BLR01", "bk_qr2", "rfnd_dup", "pay_qr2_dup", 15_000, "2026-10-06 05:21")
    add("appointment.cancelled", "BLR01", "bk_qr2", "2026-10-07 04:00", {"reason": "patient_request"})
    refunded("BLR01", "bk_qr2", "rfnd_qr2", "pay_qr2", 7_500, "2026-10-07 04:00")
    booked("MUM01", "bk_wa", "2026-10-06 06:00", channel="whatsapp", campaign="diwali-2026")
    booked("MUM01", "bk_wa", "2026-10-06 06:00", channel="whatsapp", campaign="diwali-2026")  # re-sent
    add("appointment.completed", "MUM01", "bk_wa", "2026-10-08 06:00", {})
    # money of a booking the events never show: portal, '', the payment's branch
    paid("MUM01", "bk_unknown", "pay_ghost", "order_ghost", 5_000, "2026-10-06 08:00")
    return events


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WarehouseSettings]:
    root = tmp_path_factory.mktemp("dbt_channels")
    settings = warehouse_settings(f"chdb://{root / 'warehouse'}")
    with open_warehouse(settings) as warehouse:
        create_raw_tables(warehouse)
        insert(warehouse, BOOKING_EVENTS, _events())
        branches = [
            ("BLR01", "Indiranagar", "Bengaluru", "Karnataka"),
            ("MUM01", "Andheri", "Mumbai", "Maharashtra"),
        ]
        insert(warehouse, REFERENCE_BRANCHES,
               [dict(zip(REFERENCE_BRANCHES.column_names, (TENANT, *b), strict=True)) for b in branches])  # fmt: skip
    result = run_dbt(
        settings, root, "build", "--select", f"+{MART}", "+dim_branches", "--indirect-selection", "cautious"
    )
    assert result.returncode == 0, dbt_failure(result)
    statuses = run_results(root)
    assert f"model.mymedic.{MART}" in statuses
    assert all(status in ("success", "pass") for status in statuses.values()), statuses
    yield settings


def test_each_fact_counts_on_its_ist_day_under_its_bookings_channel_and_campaign(
    built: WarehouseSettings,
) -> None:
    with open_warehouse(built) as warehouse:
        rows = warehouse.dicts(
            f"select channel, campaign, branch_id, toString(activity_date) as day, booking_count as booked,"
            f" completed_visit_count as completed, no_show_count as no_show, collected_paise as collected,"
            f" refunded_paise as refunded, net_collected_paise as net"
            f" from {warehouse.db('marts')}.{MART} where tenant_id = '{TENANT}'"
            f" order by day, branch_id, channel"
        )
    assert rows == [
        # bk_old: booked and its deposit paid on 5 Oct
        {"channel": "portal", "campaign": "", "branch_id": "BLR01", "day": "2026-10-05",
         "booked": 1, "completed": 0, "no_show": 0, "collected": 15_000, "refunded": 0, "net": 15_000},
        # bk_old completed and its balance paid
        {"channel": "portal", "campaign": "", "branch_id": "BLR01", "day": "2026-10-06",
         "booked": 0, "completed": 1, "no_show": 0, "collected": 35_000, "refunded": 0, "net": 35_000},
        # bk_qr1 (00:30 IST) and bk_qr2 booked, each deposit 15000; the duplicate and its refund left out
        {"channel": "qr", "campaign": "waiting-room", "branch_id": "BLR01", "day": "2026-10-06",
         "booked": 2, "completed": 0, "no_show": 0, "collected": 30_000, "refunded": 0, "net": 30_000},
        {"channel": "portal", "campaign": "", "branch_id": "MUM01", "day": "2026-10-06",
         "booked": 0, "completed": 0, "no_show": 0, "collected": 5_000, "refunded": 0, "net": 5_000},
        {"channel": "whatsapp", "campaign": "diwali-2026", "branch_id": "MUM01", "day": "2026-10-06",
         "booked": 1, "completed": 0, "no_show": 0, "collected": 0, "refunded": 0, "net": 0},
        # bk_qr1 a no-show (delivered twice), bk_qr2 cancelled with half its deposit back
        {"channel": "qr", "campaign": "waiting-room", "branch_id": "BLR01", "day": "2026-10-07",
         "booked": 0, "completed": 0, "no_show": 1, "collected": 0, "refunded": 7_500, "net": -7_500},
        {"channel": "whatsapp", "campaign": "diwali-2026", "branch_id": "MUM01", "day": "2026-10-08",
         "booked": 0, "completed": 1, "no_show": 0, "collected": 0, "refunded": 0, "net": 0},
    ]  # fmt: skip


def test_the_contract_is_enforced_with_the_documented_types(built: WarehouseSettings) -> None:
    assert mart_column_types(built, MART) == {
        "tenant_id": "String", "channel": "String", "campaign": "String", "branch_id": "String",
        "activity_date": "Date", "booking_count": "Int64", "completed_visit_count": "Int64",
        "no_show_count": "Int64", "collected_paise": "Int64", "refunded_paise": "Int64",
        "net_collected_paise": "Int64",
    }  # fmt: skip


def test_old_events_default_to_portal_in_staging(built: WarehouseSettings) -> None:
    with open_warehouse(built) as warehouse:
        codes = warehouse.rows(
            f"select booking_id, channel, campaign from {warehouse.db('staging')}.stg_booking__appointments"
            f" where tenant_id = '{TENANT}' order by booking_id, event_id"
        )
    assert [tuple(r) for r in codes] == [
        ("bk_old", "portal", ""),
        ("bk_qr1", "qr", "waiting-room"),
        ("bk_qr2", "qr", "waiting-room"),
        ("bk_wa", "whatsapp", "diwali-2026"),
        ("bk_wa", "whatsapp", "diwali-2026"),
    ]
