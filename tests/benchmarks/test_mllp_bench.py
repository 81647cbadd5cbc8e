"""Smoke test of `make bench`'s MLLP listener benchmark at a tiny size: it runs the real listener process,
every message is acknowledged AA and stored, and it prints a rate. No timing is asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ingestion.mllp.spool import spooled_messages

REPO = Path(__file__).resolve().parents[2]


def test_the_mllp_bench_acknowledges_and_stores_every_message(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.mllp_listener", "--messages", "60", "--senders", "3",
         "--workdir", str(tmp_path)],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "messages/s" in done.stdout and "60 AA, 60 messages in the spool" in done.stdout
    assert len({message for _, message in spooled_messages(tmp_path)}) == 60
