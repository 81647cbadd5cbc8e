"""The settlement recon pull against a real local HTTP server speaking Razorpay's API, then the real loader
into a real chDB warehouse: pages stored as files before loading, retries, errors, idempotent re-fetches."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from support.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay, recon_item, serve

from core.razorpay_client import RazorpayAPIError, RazorpayClient, RazorpayError
from core.settings import (
    RAZORPAY_API_URL_ENV,
    RAZORPAY_KEY_ID_ENV,
    RAZORPAY_KEY_SECRET_ENV,
    MissingSetting,
    RazorpaySettings,
)
from core.warehouse import Warehouse
from ingestion.data_dir import load_feed
from ingestion.feeds.razorpay_settlements import FEED as SETTLEMENTS
from ingestion.loader import ALREADY_LOADED
from ingestion.pull.settlement_recon import api_folder, days_to_pull, previous_ist_day, pull_day

DAY = date(2026, 10, 12)
TENANT = "t_pull"


class Sleeps(list[float]):
    """The injected sleeper: records each wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def gateway() -> Iterator[FakeRazorpay]:
    state = FakeRazorpay(recon={DAY: [recon_item(f"pay_P{n:03d}", DAY, amount=10000 + n) for n in range(5)]})
    with serve(state) as running:
        yield running


def settings(gateway: FakeRazorpay, secret: str = KEY_SECRET) -> RazorpaySettings:
    return RazorpaySettings.resolve(KEY_ID, secret, gateway.url)


def client(gateway: FakeRazorpay, sleeps: Sleeps | None = None, **kwargs: object) -> RazorpayClient:
    return RazorpayClient(settings(gateway), sleep=sleeps if sleeps is not None else Sleeps(), **kwargs)  # type: ignore[arg-type]


def data_dir(tmp_path: Path) -> Path:
    (tmp_path / "reference").mkdir(parents=True, exist_ok=True)
    (tmp_path / "reference" / "branches.csv").write_text(
        f"tenant_id,branch_id,branch_name,city,state\n{TENANT},BLR01,Indiranagar,Bengaluru,Karnataka\n"
    )
    return tmp_path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_pages_follow_count_and_skip_and_each_is_stored_as_received(
    gateway: FakeRazorpay, tmp_path: Path
) -> None:
    with client(gateway) as c:
        pulled = pull_day(c, tmp_path, DAY, page_size=2)

    assert [(r.query["count"], r.query["skip"]) for r in gateway.requests] == [
        ("2", "0"),
        ("2", "2"),
        ("2", "4"),
    ]
    assert all(r.authorized for r in gateway.requests)
    assert {(r.query["year"], r.query["month"], r.query["day"]) for r in gateway.requests} == {
        ("2026", "10", "12")
    }
    folder = tmp_path / "settlements" / "razorpay" / "api"
    assert sorted(p.name for p in folder.iterdir()) == [
        "2026-10-12-p001.json", "2026-10-12-p002.json", "2026-10-12-p003.json"
    ]  # fmt: skip
    assert [p.items for p in pulled.pages] == [2, 2, 1] and pulled.lines == 5
    items = gateway.recon[DAY]
    for page, start in ((1, 0), (2, 2), (3, 4)):
        stored = (folder / f"2026-10-12-p{page:03d}.json").read_bytes()
        expected = {
            "entity": "collection",
            "count": len(items[start : start + 2]),
            "items": items[start : start + 2],
        }
        assert stored == json.dumps(expected).encode()  # the gateway's bytes, not a re-serialisation
    assert SETTLEMENTS.files(tmp_path) == sorted(folder.iterdir())  # the feed reads its api/ subfolder


def test_a_full_last_page_is_followed_by_an_empty_one(gateway: FakeRazorpay, tmp_path: Path) -> None:
    gateway.recon[DAY] = gateway.recon[DAY][:4]
    with client(gateway) as c:
        pulled = pull_day(c, tmp_path, DAY, page_size=2)
    assert [p.items for p in pulled.pages] == [2, 2, 0]


def test_rate_limited_then_answered_waits_what_retry_after_says(
    gateway: FakeRazorpay, tmp_path: Path
) -> None:
    gateway.fail_next(429, retry_after="7")
    sleeps = Sleeps()
    with client(gateway, sleeps) as c:
        pulled = pull_day(c, tmp_path, DAY)
    assert sleeps == [7.0]
    assert pulled.lines == 5 and len(gateway.requests) == 2


def test_retry_after_as_an_http_date_counts_from_the_injected_clock(
    gateway: FakeRazorpay, tmp_path: Path
) -> None:
    gateway.fail_next(429, retry_after="Mon, 12 Oct 2026 06:00:30 GMT")
    sleeps = Sleeps()
    now = datetime(2026, 10, 12, 6, 0, 0, tzinfo=UTC)
    with client(gateway, sleeps, clock=lambda: now) as c:
        pull_day(c, tmp_path, DAY)
    assert sleeps == [30.0]


def test_server_errors_back_off_exponentially_with_jitter(gateway: FakeRazorpay, tmp_path: Path) -> None:
    gateway.fail_next(503)
    gateway.fail_next(502)
    sleeps = Sleeps()
    with client(gateway, sleeps) as c:
        pulled = pull_day(c, tmp_path, DAY)
    assert pulled.lines == 5
    assert len(sleeps) == 2
    assert 1 <= sleeps[0] <= 2 and 2 <= sleeps[1] <= 3  # 1 s, then 2 s, each plus up to 1 s of jitter


def test_attempts_are_bounded_then_one_line_error(gateway: FakeRazorpay, tmp_path: Path) -> None:
    for _ in range(3):
        gateway.fail_next(500)
    sleeps = Sleeps()
    with client(gateway, sleeps, attempts=3) as c, pytest.raises(RazorpayError) as raised:
        pull_day(c, tmp_path, DAY)
    message = str(raised.value)
    assert "\n" not in message
    assert "still failing after 3 attempts" in message and "500 SERVER_ERROR" in message
    assert len(gateway.requests) == 3 and len(sleeps) == 2
    assert not api_folder(tmp_path).exists()  # nothing half-stored


def test_a_bad_request_is_not_retried_and_says_what_razorpay_said(
    gateway: FakeRazorpay, tmp_path: Path
) -> None:
    sleeps = Sleeps()
    with client(gateway, sleeps) as c, pytest.raises(RazorpayAPIError) as raised:
        c.get("/v1/settlements/recon/combined", {"year": 2026, "month": "10", "count": 5000})
    assert raised.value.status == 400 and raised.value.code == "BAD_REQUEST_ERROR"
    assert str(raised.value) == (
        "Razorpay GET /v1/settlements/recon/combined?year=2026&month=10&count=5000 answered 400 "
        "BAD_REQUEST_ERROR: The count may not be greater than 1000."
    )
    assert sleeps == [] and len(gateway.requests) == 1


def test_a_wrong_secret_is_a_401_that_never_shows_the_secret(
    gateway: FakeRazorpay, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "wrong-secret-Zq81"
    caplog.set_level(logging.DEBUG)
    with (
        RazorpayClient(settings(gateway, wrong), sleep=Sleeps()) as c,
        pytest.raises(RazorpayAPIError) as raised,
    ):
        pull_day(c, tmp_path, DAY)
    assert raised.value.status == 401
    assert "check the key id and secret" in str(raised.value)
    shown = str(raised.value) + repr(raised.value) + caplog.text + repr(settings(gateway, wrong))
    assert wrong not in shown and KEY_SECRET not in shown
    assert not gateway.requests[0].authorized


def test_missing_keys_name_the_variable_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RAZORPAY_KEY_ID_ENV, raising=False)
    monkeypatch.delenv(RAZORPAY_KEY_SECRET_ENV, raising=False)
    with pytest.raises(MissingSetting, match=f"set {RAZORPAY_KEY_ID_ENV}"):
        RazorpaySettings.resolve()
    monkeypatch.setenv(RAZORPAY_KEY_ID_ENV, KEY_ID)
    with pytest.raises(MissingSetting, match=f"set {RAZORPAY_KEY_SECRET_ENV}"):
        RazorpaySettings.resolve()
    monkeypatch.setenv(RAZORPAY_KEY_SECRET_ENV, KEY_SECRET)
    monkeypatch.setenv(RAZORPAY_API_URL_ENV, "ftp://example")
    with pytest.raises(MissingSetting, match=RAZORPAY_API_URL_ENV):
        RazorpaySettings.resolve()
    monkeypatch.delenv(RAZORPAY_API_URL_ENV)
    resolved = RazorpaySettings.resolve()
    assert resolved.api_url == "https://api.razorpay.com" and KEY_SECRET not in repr(resolved)


def test_the_previous_ist_day_and_the_days_refetched() -> None:
    # 20:00 UTC on 11 Oct is 01:30 IST on 12 Oct: the previous IST day is the 11th (UTC would say the 10th)
    assert previous_ist_day(datetime(2026, 10, 11, 20, 0, tzinfo=UTC)) == date(2026, 10, 11)
    assert previous_ist_day(datetime(2026, 10, 11, 18, 0, tzinfo=UTC)) == date(2026, 10, 10)
    assert days_to_pull(date(2026, 10, 12), 2) == [date(2026, 10, 10), date(2026, 10, 11), date(2026, 10, 12)]
    assert days_to_pull(date(2026, 10, 12), 0) == [date(2026, 10, 12)]


def raw_lines(warehouse: Warehouse) -> list[tuple[str, str, int]]:
    return warehouse.rows(
        "select entity_id, _source_file, amount from raw.razorpay_settlement_lines "
        "where tenant_id = {t:String} order by entity_id",
        {"t": TENANT},
    )


def test_pulled_pages_load_and_a_refetch_adds_nothing_until_the_gateway_adds_lines(
    gateway: FakeRazorpay, warehouse: Warehouse, tmp_path: Path
) -> None:
    data = data_dir(tmp_path)
    with client(gateway) as c:
        pull_day(c, data, DAY, page_size=2)
    results = load_feed(warehouse, data, SETTLEMENTS)
    assert [(r.source_file, r.status, r.rows_loaded) for r in results] == [
        ("settlements/razorpay/api/2026-10-12-p001.json", "loaded", 2),
        ("settlements/razorpay/api/2026-10-12-p002.json", "loaded", 2),
        ("settlements/razorpay/api/2026-10-12-p003.json", "loaded", 1),
    ]
    loaded = raw_lines(warehouse)
    assert [r[0] for r in loaded] == [f"pay_P{n:03d}" for n in range(5)]
    ledger = warehouse.scalar("select count() from raw.load_ledger where feed = 'razorpay_settlements'")

    # The same day fetched again: the same bytes, so no new file; loading again adds nothing.
    before = snapshot(api_folder(data))
    with client(gateway) as c:
        again = pull_day(c, data, DAY, page_size=2)
    assert again.written == [] and snapshot(api_folder(data)) == before
    assert {r.status for r in load_feed(warehouse, data, SETTLEMENTS)} == {ALREADY_LOADED}
    assert raw_lines(warehouse) == loaded
    assert (
        warehouse.scalar("select count() from raw.load_ledger where feed = 'razorpay_settlements'") == ledger
    )

    # Razorpay adds a line to the day: only the last page changed, so only it gets a new version (and,
    # being full now, is followed by an empty page).
    gateway.recon[DAY].append(recon_item("pay_P005", DAY, amount=20000))
    with client(gateway) as c:
        later = pull_day(c, data, DAY, page_size=2)
    assert [p.name for p in later.written] == ["2026-10-12-p003.v002.json", "2026-10-12-p004.json"]
    assert snapshot(api_folder(data)).items() >= before.items()  # what the gateway said before stays
    fresh = [r for r in load_feed(warehouse, data, SETTLEMENTS) if r.status != ALREADY_LOADED]
    assert [(r.source_file, r.status, r.rows_read, r.rows_loaded, r.rows_skipped) for r in fresh] == [
        ("settlements/razorpay/api/2026-10-12-p003.v002.json", "loaded", 2, 1, 1),
        ("settlements/razorpay/api/2026-10-12-p004.json", "empty", 0, 0, 0),
    ]
    assert [r[0] for r in raw_lines(warehouse)] == [f"pay_P{n:03d}" for n in range(6)]


def test_a_changed_line_in_a_refetch_is_quarantined_not_overwritten(
    gateway: FakeRazorpay, warehouse: Warehouse, tmp_path: Path
) -> None:
    data = data_dir(tmp_path)
    gateway.recon[DAY] = [recon_item("pay_CHG001", DAY, amount=30000)]
    with client(gateway) as c:
        pull_day(c, data, DAY)
    load_feed(warehouse, data, SETTLEMENTS)
    gateway.recon[DAY] = [recon_item("pay_CHG001", DAY, amount=29000)]
    with client(gateway) as c:
        pull_day(c, data, DAY)
    [result] = [r for r in load_feed(warehouse, data, SETTLEMENTS) if r.status != ALREADY_LOADED]
    assert (result.source_file, result.rows_quarantined) == (
        "settlements/razorpay/api/2026-10-12-p001.v002.json",
        1,
    )
    assert (
        warehouse.scalar("select amount from raw.razorpay_settlement_lines where entity_id = 'pay_CHG001'")
        == 30000
    )


def test_only_declared_subfolders_are_read(tmp_path: Path) -> None:
    root = tmp_path / "settlements" / "razorpay"
    for relative in ("2026-10-01.csv", "api/2026-10-02-p001.json", "archive/2026-09-01.csv", "api/.x.tmp"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text("x")
    assert [p.relative_to(root).as_posix() for p in SETTLEMENTS.files(tmp_path)] == [
        "2026-10-01.csv", "api/2026-10-02-p001.json"
    ]  # fmt: skip
