"""What a person sees when a `mymedic` command cannot do its work for a reason they can fix: a warehouse
another process holds, an unreachable server, a bad URL, an invalid --as-of, an empty data folder. Each is
one line on stderr saying what to do, a non-zero exit, no traceback and never the URL's password; every
case runs the real console script in a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.paths import MYMEDIC

from booking.settings import DB_ENV
from core.settings import WAREHOUSE_ENV

pytestmark = pytest.mark.slow

PASSWORD = "s3cret-Pw_7781"


def mymedic(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MYMEDIC, *args], capture_output=True, text=True, env=env, timeout=300)


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single `error: ...` line the command printed, after checking that it is all it printed."""
    shown = result.stdout + result.stderr
    assert result.returncode != 0, shown
    assert "Traceback" not in shown and PASSWORD not in shown, shown
    assert result.stdout == "", shown
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), shown
    return lines[0]


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-branch, one-day sample chain."""
    data = tmp_path_factory.mktemp("chain") / "data"
    generated = mymedic("generate", "--out", str(data), "--branches", "1", "--days", "1",
                        "--bookings-per-day", "2", "--no-messages", env=dict(os.environ))  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    return data


def env_with(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (WAREHOUSE_ENV, DB_ENV)}
    return {**env, "COLUMNS": "300", **values}


HOLDER = """
import sys, clickhouse_connect
client = clickhouse_connect.get_client(interface="chdb", path=sys.argv[1])
client.command("select 1")
print("open", flush=True)
sys.stdin.read()  # hold the data directory until the test closes our stdin
"""


@pytest.fixture
def held_warehouse(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A chDB data directory a second, real process has open, and that process's id."""
    folder = tmp_path / "wh"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        yield folder, holder.pid
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=60)


def test_a_warehouse_another_process_holds_names_that_process(
    held_warehouse: tuple[Path, int], data_dir: Path, tmp_path: Path
) -> None:
    folder, pid = held_warehouse
    env = env_with(**{WAREHOUSE_ENV: f"chdb://{folder}"})
    for args in (
        ("run", "--data", str(data_dir), "--exports", str(tmp_path / "exports")),
        ("quarantine", "list"),
        ("claims", "replay", "CLM-1"),
        ("export", "statements", "--exports", str(tmp_path / "exports")),
        ("serving", "publish", "--serving", str(tmp_path / "serving")),
    ):
        line = one_error_line(mymedic(*args, env=env))
        assert f"is in use by process {pid}" in line and f"{WAREHOUSE_ENV}=chdb://" in line, (args, line)


def test_an_unreachable_server_says_so_without_its_password(data_dir: Path, tmp_path: Path) -> None:
    url = f"http://mymedic:{PASSWORD}@127.0.0.1:{closed_port()}/prod"
    for args, env in (
        (("run", "--data", str(data_dir)), env_with(**{WAREHOUSE_ENV: url})),
        (("run", "--data", str(data_dir), "--warehouse", url), env_with()),
        (("quarantine", "list"), env_with(**{WAREHOUSE_ENV: url})),
        (("claims", "replay", "CLM-1"), env_with(**{WAREHOUSE_ENV: url})),
        (("serving", "publish", "--serving", str(tmp_path / "serving")), env_with(**{WAREHOUSE_ENV: url})),
    ):
        line = one_error_line(mymedic(*args, env=env))
        assert "cannot reach the ClickHouse server at http://mymedic:***@127.0.0.1:" in line, (args, line)
        assert "(connection refused): start it" in line


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (f"http://mymedic:{PASSWORD}@127.0.0.1:81x23/prod", "has no valid port"),
        (f"clickhouse://mymedic:{PASSWORD}@127.0.0.1:8123/prod", "is not understood"),
        ("chdb://", "names no data directory"),
    ],
)
def test_a_bad_warehouse_url_is_one_line_without_its_password(url: str, says: str, data_dir: Path) -> None:
    for args, env in (
        (("run", "--data", str(data_dir)), env_with(**{WAREHOUSE_ENV: url})),
        (("run", "--data", str(data_dir), "--warehouse", url), env_with()),
        (("quarantine", "list"), env_with(**{WAREHOUSE_ENV: url})),
        (("claims", "replay", "CLM-1", "--warehouse", url), env_with()),
    ):
        line = one_error_line(mymedic(*args, env=env))
        assert says in line, (args, line)
        assert ("mymedic:***@" in line) == ("mymedic:" in url), line


def test_an_invalid_as_of_on_every_command_that_takes_one(data_dir: Path, tmp_path: Path) -> None:
    env = env_with(**{WAREHOUSE_ENV: f"chdb://{tmp_path / 'wh'}"})
    line = one_error_line(mymedic("run", "--data", str(data_dir), "--as-of", "2026-13-45", env=env))
    assert line == "error: --as-of '2026-13-45' is not a day: use YYYY-MM-DD (IST), e.g. 2026-10-31"
    line = one_error_line(mymedic("claims", "replay", "CLM-1", "--as-of", "yesterday", env=env))
    assert line == "error: --as-of 'yesterday' is not a date and time; use e.g. 2026-10-15T12:00+05:30"
    assert not (tmp_path / "wh").exists(), "a bad --as-of is refused before the warehouse is opened"


def test_an_empty_or_missing_data_folder(tmp_path: Path) -> None:
    env = env_with(**{WAREHOUSE_ENV: f"chdb://{tmp_path / 'wh'}"})
    empty = tmp_path / "empty"
    empty.mkdir()
    line = one_error_line(mymedic("run", "--data", str(empty), env=env))
    assert line.startswith(f"error: --data {empty} is not a data directory (it has no reference/branches.csv")
    assert "`mymedic generate --out DIR`" in line
    line = one_error_line(mymedic("run", "--data", str(tmp_path / "nope"), env=env))
    assert line.startswith(f"error: --data {tmp_path / 'nope'} is not a directory")
    assert not (tmp_path / "wh").exists()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (f"postgresql+psycopg://mymedic:{PASSWORD}@127.0.0.1:{{closed}}/test", "Connection refused"),
        (f"postgresql+psycopg://mymedic:{PASSWORD}@127.0.0.1:54x2/test", "is not a database URL"),
        (f"pgsql://mymedic:{PASSWORD}@127.0.0.1:5432/test", "is not a database URL"),
    ],
)
def test_the_booking_commands_bad_or_unreachable_database(url: str, says: str) -> None:
    # the closed port is picked when the test runs: xdist workers must collect the same test ids
    url = url.replace("{closed}", str(closed_port()))
    for args, env in (
        (("booking", "migrate", "--db", url), env_with()),
        (("booking", "webhooks", "dlq", "list"), env_with(**{DB_ENV: url})),
        (("messages", "dlq", "list", "--db", url), env_with()),
    ):
        line = one_error_line(mymedic(*args, env=env))
        assert says in line and "--db / $MYMEDIC_BOOKING_DB" in line, (args, line)
