"""Razorpay's answer about an overdue refund, end to end: the hand-made chain of dbt_scenario.py built by
real dbt on chDB, the overdue refunds read from the mart, asked about on a local Razorpay-speaking server,
the answers stored, loaded by the real loader, and dbt built again.

rfnd_overdue (initiated 2026-09-25, card refund SLA 7 days, in no settlement) is settlement_overdue
throughout: its status is a contract. What changes is why, in its exception_reason: first Razorpay has no
record of it, later Razorpay processed it with an ARN but no settlement carries it yet.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dbt_scenario as scenario
import pytest
from dbt_runner import dbt_failure, run_dbt
from support.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay, refund_entity, serve

from core.razorpay_client import RazorpayClient
from core.settings import RazorpaySettings, WarehouseSettings, warehouse_settings
from core.warehouse import open_warehouse
from ingestion.data_dir import load_feed
from ingestion.feeds.razorpay_refund_status import FEED as REFUND_STATUS
from ingestion.pull.refund_status import check_refunds, overdue_refunds
from ingestion.tables import create_raw_tables

pytestmark = pytest.mark.slow

ARN = "74332016301230016304519"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WarehouseSettings, Path, Path]]:
    root = tmp_path_factory.mktemp("refund_status")
    settings = warehouse_settings(f"chdb://{root / 'warehouse'}")
    data = root / "data"
    (data / "reference").mkdir(parents=True)
    (data / "reference" / "branches.csv").write_text(
        f"tenant_id,branch_id,branch_name,city,state\n{scenario.TENANT},BLR01,Indiranagar,Bengaluru,Karnataka\n"
    )
    with open_warehouse(settings) as warehouse:
        create_raw_tables(warehouse)
        scenario.load(warehouse)
    yield settings, root, data


def build(settings: WarehouseSettings, root: Path) -> dict[str, str]:
    result = run_dbt(
        settings, root, "build", "--select", "+fct_payment_reconciliation", "--indirect-selection", "cautious",
        "--vars", f"{{as_of: '{scenario.AS_OF}'}}",
    )  # fmt: skip
    assert result.returncode == 0, dbt_failure(result)
    with open_warehouse(settings) as w:
        return {
            entity_id: f"{status}: {reason}"
            for entity_id, status, reason in w.rows(
                f"select entity_id, status, exception_reason from {w.db('marts')}.fct_payment_reconciliation "
                "where entity_type = 'refund'"
            )
        }


def ask_and_load(
    settings: WarehouseSettings, data: Path, gateway: FakeRazorpay, now: datetime
) -> dict[str, str]:
    """What the Dagster asset does: read the overdue refunds and close the warehouse, ask, then load."""
    with open_warehouse(settings) as w:
        overdue = overdue_refunds(w, scenario.TENANT)
    assert overdue == ["rfnd_overdue"]
    with RazorpayClient(RazorpaySettings.resolve(KEY_ID, KEY_SECRET, gateway.url), sleep=lambda _: None) as c:
        checked = check_refunds(c, data, overdue, clock=lambda: now)
    with open_warehouse(settings) as w:
        load_feed(w, data, REFUND_STATUS)
    return checked.answers


def test_the_gateway_answer_changes_why_an_overdue_refund_is_overdue(
    world: tuple[WarehouseSettings, Path, Path],
) -> None:
    settings, root, data = world
    before = build(settings, root)
    assert before["rfnd_overdue"].startswith("settlement_overdue: refund initiated 2026-09-25 IST")
    assert before["rfnd_overdue"].endswith("; chase Razorpay so the patient is paid back")

    with serve() as gateway:  # Razorpay knows no such refund
        assert ask_and_load(settings, data, gateway, datetime(2026, 10, 29, 19, 0, tzinfo=UTC)) == {
            "rfnd_overdue": "not_found"
        }
    unknown = build(settings, root)
    assert unknown["rfnd_overdue"] == (
        "settlement_overdue: refund initiated 2026-09-25 IST is in no settlement after 35 days, beyond the "
        "refund SLA of 7 days (due by 2026-10-02); Razorpay has no record of this refund (asked 2026-10-30 "
        "IST): check the refund id, and issue the refund if it was never made"
    )

    processed = refund_entity("rfnd_overdue", "pay_matched", 3000, "processed", acquirer_data={"arn": ARN})
    with serve(FakeRazorpay(refunds={"rfnd_overdue": processed})) as gateway:
        assert ask_and_load(settings, data, gateway, datetime(2026, 10, 30, 4, 0, tzinfo=UTC)) == {
            "rfnd_overdue": "processed"
        }
    found = build(settings, root)
    assert found["rfnd_overdue"] == (
        "settlement_overdue: refund initiated 2026-09-25 IST is in no settlement after 35 days, beyond the "
        f"refund SLA of 7 days (due by 2026-10-02); Razorpay processed this refund by 2026-10-30 IST (ARN {ARN}) "
        "but it is in no settlement yet: ask Razorpay which settlement carries it"
    )
    # Every other refund reads as before: only an answer about a refund changes its reason.
    assert {k: v for k, v in found.items() if k != "rfnd_overdue"} == {
        k: v for k, v in before.items() if k != "rfnd_overdue"
    }
    with open_warehouse(settings) as w:
        rows = w.rows(
            f"select gateway_answer, refund_status, arn from {w.db('staging')}.stg_razorpay__refund_statuses "
            "where refund_id = 'rfnd_overdue' order by checked_at"
        )
    assert rows == [("not_found", None, None), ("found", "processed", ARN)]  # the history keeps both
