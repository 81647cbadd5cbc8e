"""The metrics API under load on loopback: requests/s and latency, printed, never asserted.

Starts `mymedic api serve` (a real uvicorn, in a child process) on 127.0.0.1 over a published serving folder,
with a key made for one tenant in a temporary key file, and drives it from `concurrency` clients for
`seconds`: the reconciliation summary, pages of exceptions and of branch days (JSON, some CSV), with and
without date and branch filters. Every answer but a 200 is an error.

    python -m benchmarks.metrics_api_load --serving .mymedic/serving --tenant tnt_arogya
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from benchmarks.loopback import free_port, percentile, run_clients, stop, wait_ready
from core.settings import SERVING_ENV
from serving.api.keys import add_key

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class ApiFigures:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    concurrency: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def text(self) -> str:
        return (
            f"{self.per_second:,.0f} requests/s, p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, "
            f"{self.errors} errors of {self.requests:,} ({self.concurrency} clients, {self.seconds:.0f} s)"
        )


def _paths(rng: random.Random, branches: list[str], days: list[str]) -> tuple[str, dict[str, str]]:
    roll = rng.random()
    window = ""
    if days and rng.random() < 0.5:
        first = rng.choice(days)
        window = f"&from={first}&to={max(d for d in days if d >= first)}"
    branch = f"&branch={rng.choice(branches)}" if branches and rng.random() < 0.5 else ""
    accept = {"Accept": "text/csv"} if rng.random() < 0.2 else {}
    if roll < 0.4:
        return f"/v1/reconciliation/summary?{window}{branch}".replace("?&", "?"), accept
    if roll < 0.7:
        return f"/v1/reconciliation/exceptions?limit=100{window}{branch}", accept
    return f"/v1/metrics/branch-daily?limit=100{window}{branch}", accept


def measure(
    serving: Path, tenant: str, *, seconds: float = 20.0, concurrency: int = 8, seed: int = 42
) -> ApiFigures:
    folder = Path(tempfile.mkdtemp(prefix="metrics-api-bench-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        keys = folder / "api-keys.yaml"
        key = add_key(keys, tenant, "benchmark", now=datetime.now(UTC))
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
        with (folder / "server.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "mymedic.cli", "api", "serve", "--host", "127.0.0.1", "--port", str(port),
                 "--keys", str(keys)],
                stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, SERVING_ENV: str(serving), "PYTHONPATH": path},
            )  # fmt: skip
        wait_ready(base_url, process)
        with httpx.Client(base_url=base_url, headers={"X-API-Key": key}) as probe:
            summary = probe.get("/v1/reconciliation/summary").raise_for_status().json()["data"]
            daily = probe.get("/v1/metrics/branch-daily?limit=1000").raise_for_status().json()["data"]
        branches = sorted({r["branch_id"] for r in summary})
        days = sorted({r["settlement_date"] for r in daily})
        return _drive(base_url, key, branches, days, seconds, concurrency, seed)
    finally:
        stop(process)
        shutil.rmtree(folder, ignore_errors=True)


def _drive(
    base_url: str, key: str, branches: list[str], days: list[str], seconds: float, concurrency: int, seed: int
) -> ApiFigures:
    load = Load()
    stop_at = time.monotonic() + seconds

    def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        with httpx.Client(base_url=base_url, headers={"X-API-Key": key}, timeout=30) as http:
            while time.monotonic() < stop_at:
                url, headers = _paths(rng, branches, days)
                started = time.perf_counter()
                try:
                    status = http.get(url, headers=headers).status_code
                except httpx.HTTPError as error:
                    with load.lock:
                        load.errors[type(error).__name__] += 1
                    continue
                elapsed = time.perf_counter() - started
                with load.lock:
                    load.latencies.append(elapsed)
                    if status != 200:
                        load.errors[f"HTTP {status}"] += 1

    elapsed = run_clients(client, concurrency)
    values = sorted(load.latencies)
    return ApiFigures(
        requests=len(values),
        seconds=elapsed,
        p50_ms=percentile(values, 0.5) * 1000,
        p99_ms=percentile(values, 0.99) * 1000,
        errors=sum(load.errors.values()),
        concurrency=concurrency,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--serving", type=Path, required=True, help="a published serving folder")
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    print(measure(args.serving, args.tenant, seconds=args.seconds, concurrency=args.concurrency).text())


if __name__ == "__main__":
    main()
