"""A service under load on loopback: a free port, waiting until it answers, and latency percentiles (shared by
the booking service's and the metrics API's benchmarks, and the tests that start a real server)."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Callable

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(round(q * (len(sorted_values) - 1)), len(sorted_values) - 1)
    return sorted_values[index]


def wait_ready(base_url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with {process.returncode} before it was ready")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the service did not become ready in time")


def run_clients(client: Callable[[int], None], concurrency: int) -> float:
    """Run `client(0)` … `client(concurrency - 1)` in threads until all return; the wall seconds they took."""
    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def stop(process: subprocess.Popen[bytes] | None) -> None:
    """Stop a service this benchmark started (SIGTERM, then SIGKILL after 10 s)."""
    if process is None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
