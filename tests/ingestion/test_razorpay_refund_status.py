"""The refund status check against a real local Razorpay-speaking server, its answers loaded by the real
loader into chDB: a status history where a repeated answer adds nothing and a changed one adds a row."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay, refund_entity, serve

from core.razorpay_client import RazorpayClient
from core.settings import RazorpaySettings
from core.warehouse import Warehouse
from ingestion.data_dir import load_feed
from ingestion.feeds.razorpay_refund_status import FEED as REFUND_STATUS
from ingestion.pull.refund_status import check_refunds, status_folder

TENANT = "t_refunds"
FIRST = datetime(2026, 10, 30, 0, 30, tzinfo=UTC)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def gateway() -> Iterator[FakeRazorpay]:
    state = FakeRazorpay(refunds={"rfnd_Known01": refund_entity("rfnd_Known01", "pay_K1", 3000, "pending")})
    with serve(state) as running:
        yield running


def data_dir(tmp_path: Path) -> Path:
    (tmp_path / "reference").mkdir(parents=True, exist_ok=True)
    (tmp_path / "reference" / "branches.csv").write_text(
        f"tenant_id,branch_id,branch_name,city,state\n{TENANT},BLR01,Indiranagar,Bengaluru,Karnataka\n"
    )
    return tmp_path


def check(gateway: FakeRazorpay, data: Path, clock: Clock, *ids: str, secret: str = KEY_SECRET):
    settings = RazorpaySettings.resolve(KEY_ID, secret, gateway.url)
    with RazorpayClient(settings, sleep=lambda _: None) as client:
        return check_refunds(client, data, ids, clock=clock)


def history(warehouse: Warehouse) -> list[tuple]:
    return warehouse.rows(
        "select refund_id, answer, refund_status, arn, toString(checked_at) from raw.razorpay_refund_statuses "
        "where tenant_id = {t:String} order by refund_id, checked_at",
        {"t": TENANT},
    )


def test_each_answer_is_stored_then_loaded_as_a_history(
    gateway: FakeRazorpay, warehouse: Warehouse, tmp_path: Path
) -> None:
    data, clock = data_dir(tmp_path), Clock(FIRST)
    first = check(gateway, data, clock, "rfnd_Known01", "rfnd_Unknown1")
    assert first.answers == {"rfnd_Known01": "pending", "rfnd_Unknown1": "not_found"} and not first.failures
    assert first.file == status_folder(data) / "20261030T003000Z.ndjson"
    lines = [json.loads(line) for line in first.file.read_text().splitlines()]
    assert [(x["refund_id"], x["http_status"]) for x in lines] == [
        ("rfnd_Known01", 200),
        ("rfnd_Unknown1", 400),
    ]
    assert lines[1]["body"]["error"]["description"] == "The id provided does not exist"
    assert lines[0]["body"] == gateway.refunds["rfnd_Known01"]  # the gateway's answer as it came
    [loaded] = load_feed(warehouse, data, REFUND_STATUS)
    assert (loaded.rows_read, loaded.rows_loaded, loaded.rows_quarantined) == (2, 2, 0)
    first_history = history(warehouse)
    assert first_history == [
        ("rfnd_Known01", "found", "pending", "", "2026-10-30 00:30:00.000"),
        ("rfnd_Unknown1", "not_found", "", "", "2026-10-30 00:30:00.000"),
    ]

    # A day later Razorpay says the same: a new file (an auditor sees the check), no new history row.
    clock.now = FIRST + timedelta(days=1)
    second = check(gateway, data, clock, "rfnd_Known01", "rfnd_Unknown1")
    assert second.file is not None and second.file != first.file
    [again] = [
        r for r in load_feed(warehouse, data, REFUND_STATUS) if r.source_file.endswith(second.file.name)
    ]
    assert (again.rows_read, again.rows_loaded, again.rows_skipped) == (2, 0, 2)
    assert history(warehouse) == first_history

    # Then the refund is processed with an ARN, and the unknown one appears: each a new row.
    gateway.refunds["rfnd_Known01"] = refund_entity(
        "rfnd_Known01", "pay_K1", 3000, "processed", acquirer_data={"arn": "74332016301230016304519"}
    )
    gateway.refunds["rfnd_Unknown1"] = refund_entity("rfnd_Unknown1", "pay_U1", 5000, "pending")
    clock.now = FIRST + timedelta(days=2)
    check(gateway, data, clock, "rfnd_Known01", "rfnd_Unknown1")
    load_feed(warehouse, data, REFUND_STATUS)
    assert history(warehouse) == [
        ("rfnd_Known01", "found", "pending", "", "2026-10-30 00:30:00.000"),
        ("rfnd_Known01", "found", "processed", "74332016301230016304519", "2026-11-01 00:30:00.000"),
        ("rfnd_Unknown1", "not_found", "", "", "2026-10-30 00:30:00.000"),
        ("rfnd_Unknown1", "found", "pending", "", "2026-11-01 00:30:00.000"),
    ]
    # Loading everything again adds nothing.
    assert {r.status for r in load_feed(warehouse, data, REFUND_STATUS)} == {"already_loaded"}


def test_a_status_that_goes_back_is_a_new_row_again(
    gateway: FakeRazorpay, warehouse: Warehouse, tmp_path: Path
) -> None:
    data, clock = data_dir(tmp_path), Clock(FIRST)
    gateway.refunds = {"rfnd_Flip01": refund_entity("rfnd_Flip01", "pay_F1", 1000, "pending")}
    for day, status in enumerate(("pending", "failed", "pending")):
        gateway.refunds["rfnd_Flip01"]["status"] = status
        clock.now = FIRST + timedelta(days=day)
        check(gateway, data, clock, "rfnd_Flip01")
        load_feed(warehouse, data, REFUND_STATUS)
    assert [r[2] for r in history(warehouse) if r[0] == "rfnd_Flip01"] == ["pending", "failed", "pending"]


def test_no_answer_is_not_recorded_as_one(gateway: FakeRazorpay, tmp_path: Path) -> None:
    clock = Clock(FIRST)
    wrong_key = check(gateway, tmp_path, clock, "rfnd_Known01", secret="wrong-secret-77")
    assert wrong_key.file is None and wrong_key.answers == {}
    assert "answered 401" in wrong_key.failures["rfnd_Known01"]
    assert "wrong-secret-77" not in json.dumps(wrong_key.failures) and KEY_SECRET not in json.dumps(
        wrong_key.failures
    )
    for _ in range(5):
        gateway.fail_next(503)
    down = check(gateway, tmp_path, clock, "rfnd_Known01", "bad/../id")
    assert down.file is None
    assert "still failing after 5 attempts" in down.failures["rfnd_Known01"]
    assert down.failures["bad/../id"] == "not a Razorpay refund id (rfnd_…)"
    assert not any(r.path.startswith("/v1/refunds/bad") for r in gateway.requests)


def test_lines_that_are_not_answers_are_quarantined(warehouse: Warehouse, tmp_path: Path) -> None:
    data = data_dir(tmp_path)
    folder = status_folder(data)
    folder.mkdir(parents=True)
    good = {"refund_id": "rfnd_Q1", "checked_at": "2026-10-30T00:30:00.000Z", "request": "GET /v1/refunds/rfnd_Q1",
            "http_status": 200, "body": refund_entity("rfnd_Q1", "pay_Q1", 100, "processed")}  # fmt: skip
    lines = [
        good,
        {**good, "refund_id": "rfnd_Q2"},  # the answer is about another refund
        {**good, "refund_id": "rfnd_Q3", "http_status": 500, "body": {"error": {"code": "SERVER_ERROR"}}},
        {**good, "refund_id": "rfnd_Q4", "http_status": 400,
         "body": {"error": {"code": "BAD_REQUEST_ERROR", "description": "The amount must be atleast INR 1.00"}}},
        {**good, "refund_id": "rfnd_Q5", "body": {"entity": "refund"}},
    ]  # fmt: skip
    (folder / "20261030T003000Z.ndjson").write_text("\n".join(json.dumps(x) for x in lines) + "\n{not json\n")
    [result] = load_feed(warehouse, data, REFUND_STATUS)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (6, 1, 5)
    reasons = [
        r[0]
        for r in warehouse.rows(
            "select reason from raw.quarantine where feed = 'razorpay_refund_status' order by _source_line"
        )
    ]
    assert reasons[0] == "asked about rfnd_Q2 but Razorpay answered about 'rfnd_Q1'"
    assert reasons[1].startswith("HTTP status 500 is not an answer about the refund")
    assert reasons[2].startswith("a 400 answer that is not 'the id does not exist'")
    assert reasons[3].startswith("a 200 answer that is not a Razorpay refund (id: Field required)")
    assert reasons[4].startswith("not a refund status line")
