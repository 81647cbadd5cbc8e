"""`mymedic razorpay pull` as a user runs it, against a local server speaking Razorpay's API."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from support.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay, recon_item, serve
from support.paths import MYMEDIC

from core.settings import RAZORPAY_API_URL_ENV, RAZORPAY_KEY_ID_ENV, RAZORPAY_KEY_SECRET_ENV, WAREHOUSE_ENV

DAY = date(2026, 10, 12)


@pytest.fixture
def gateway() -> Iterator[FakeRazorpay]:
    with serve(FakeRazorpay(recon={DAY: [recon_item("pay_C1", DAY), recon_item("pay_C2", DAY)]})) as running:
        yield running


def mymedic(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MYMEDIC, *args], capture_output=True, text=True, env=env, timeout=120)


def environment(gateway: FakeRazorpay, secret: str | None = KEY_SECRET) -> dict[str, str]:
    names = (RAZORPAY_KEY_ID_ENV, RAZORPAY_KEY_SECRET_ENV, RAZORPAY_API_URL_ENV)
    env = {k: v for k, v in os.environ.items() if k not in names}
    env |= {RAZORPAY_KEY_ID_ENV: KEY_ID, RAZORPAY_API_URL_ENV: gateway.url}
    return env | ({RAZORPAY_KEY_SECRET_ENV: secret} if secret else {})


def test_pull_stores_the_days_pages_and_again_writes_nothing(gateway: FakeRazorpay, tmp_path: Path) -> None:
    env = environment(gateway)
    first = mymedic("razorpay", "pull", "--data", str(tmp_path), "--date", "2026-10-12", env=env)
    assert first.returncode == 0, first.stderr
    assert "2026-10-12: 2 lines in 1 page(s); new files: 2026-10-12-p001.json" in first.stdout
    assert (tmp_path / "settlements/razorpay/api/2026-10-12-p001.json").exists()
    again = mymedic("razorpay", "pull", "--data", str(tmp_path), "--date", "2026-10-12", env=env)
    assert "new files: none (unchanged)" in again.stdout
    assert KEY_SECRET not in first.stdout + first.stderr + again.stdout + again.stderr


@pytest.mark.parametrize(
    ("args", "secret", "expected"),
    [
        (("--date", "2026-10-12"), None, f"set {RAZORPAY_KEY_SECRET_ENV}"),
        (
            ("--date", "2026-10-12"),
            "Wr0ng-CLI-Secret",
            "answered 401 BAD_REQUEST_ERROR: Authentication failed",
        ),
        (("--date", "12/10/2026"), KEY_SECRET, "is not a date; use YYYY-MM-DD"),
    ],
)
def test_errors_are_one_line_and_exit_non_zero(
    gateway: FakeRazorpay, tmp_path: Path, args: tuple[str, ...], secret: str | None, expected: str
) -> None:
    result = mymedic("razorpay", "pull", "--data", str(tmp_path), *args, env=environment(gateway, secret))
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and expected in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert "Wr0ng-CLI-Secret" not in result.stderr + result.stdout


def data_dir(tmp_path: Path) -> Path:
    (tmp_path / "data" / "reference").mkdir(parents=True)
    (tmp_path / "data" / "reference" / "branches.csv").write_text(
        "tenant_id,branch_id,branch_name,city,state\nt_cli,BLR01,Indiranagar,Bengaluru,Karnataka\n"
    )
    return tmp_path / "data"


def test_backfill_is_one_command_and_again_adds_nothing(gateway: FakeRazorpay, tmp_path: Path) -> None:
    env = environment(gateway) | {WAREHOUSE_ENV: f"chdb://{tmp_path / 'wh'}", "COLUMNS": "200"}
    args = ("razorpay", "backfill", "--data", str(data_dir(tmp_path)), "--from", "2026-10-11", "--to", "2026-10-13")  # fmt: skip
    first = subprocess.run(
        [MYMEDIC, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert first.returncode == 0, first.stderr
    assert "pulled 3 day(s), 2026-10-11..2026-10-13: 2 lines; 3 new or changed page file(s)" in first.stdout
    assert "loaded: 2 rows, 0 quarantined, 0 duplicates skipped" in first.stdout
    assert [r.query["day"] for r in gateway.requests] == ["11", "12", "13"]
    again = subprocess.run(
        [MYMEDIC, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert again.returncode == 0, again.stderr
    assert "2 lines; 0 new or changed page file(s)" in again.stdout
    assert "loaded: 0 rows, 0 quarantined, 0 duplicates skipped" in again.stdout
    assert KEY_SECRET not in first.stdout + first.stderr + again.stdout + again.stderr


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("2026-10-31", "2026-10-01", "--from 2026-10-31 is after --to 2026-10-01"),
        ("2026-10-01", "31/10/2026", "--to '31/10/2026' is not a date; use YYYY-MM-DD"),
        ("2023-12-31", "2024-01-02", "settlement days run from 2024-01-01 to yesterday"),
        ("2026-10-01", "2999-01-01", "settlement days run from 2024-01-01 to yesterday"),
    ],
)
def test_backfill_range_errors_are_one_line(
    gateway: FakeRazorpay, tmp_path: Path, first: str, last: str, expected: str
) -> None:
    result = mymedic(
        "razorpay", "backfill", "--data", str(data_dir(tmp_path)), "--from", first, "--to", last,
        env=environment(gateway),
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and expected in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert gateway.requests == []
