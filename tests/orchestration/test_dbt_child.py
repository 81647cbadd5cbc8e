"""Killing `mymedic run` kills its dbt child too, so no orphaned dbt keeps chDB's lock on the warehouse."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import psutil
import pytest
from support.paths import MYMEDIC

from core.settings import WAREHOUSE_ENV
from sampledata import write_sample

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl")]


def dbt_build(parent: psutil.Process) -> psutil.Process | None:
    """The `mymedic-dbt build` process under `parent` (the one that opens the warehouse), once it exists."""
    for child in parent.children(recursive=True):
        try:
            command = child.cmdline()
            if any(part.endswith("mymedic-dbt") for part in command) and "build" in command:
                return child
        except psutil.NoSuchProcess:
            continue
    return None


def gone(process: psutil.Process) -> bool:
    try:  # a killed orphan may linger as a zombie until its new parent reaps it: it holds nothing then
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_killing_mymedic_run_kills_its_dbt_child(tmp_path: Path) -> None:
    write_sample(
        tmp_path / "data", seed=7, branches=1, days=2, start=date(2026, 10, 1), bookings_per_branch_day=4
    )
    env = {**os.environ, WAREHOUSE_ENV: f"chdb://{tmp_path / 'wh'}"}
    command = [MYMEDIC, "run", "--data", str(tmp_path / "data"), "--exports", str(tmp_path / "exports")]
    errors = tmp_path / "stderr.txt"
    child: psutil.Process | None = None
    with errors.open("w") as sink:
        run = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=sink)
    try:
        parent, deadline = psutil.Process(run.pid), time.monotonic() + 300
        while child is None and run.poll() is None and time.monotonic() < deadline:
            child = dbt_build(parent)
            time.sleep(0.05)
        assert child is not None, f"dbt never started (exit {run.poll()}): {errors.read_text()[-3000:]}"
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=10)
        deadline = time.monotonic() + 5
        while not gone(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gone(child), f"dbt (pid {child.pid}) outlived the killed `mymedic run`"
    finally:
        if run.poll() is None:
            run.kill()
        if child is not None and not gone(child):
            child.kill()
