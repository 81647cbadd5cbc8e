"""Smoke test of the outbox send benchmark at a tiny size: every queued message reaches its local provider
exactly once and a rate is printed. No timing is asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_outbox_bench_sends_every_message_once() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.messaging_outbox", "--messages", "30"],
        capture_output=True, text=True, cwd=REPO, timeout=120, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    assert "messages/s" in done.stdout and "│ all      │ 30 " in done.stdout
