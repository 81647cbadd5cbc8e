"""The request body limit holds while the body streams, on every route: a real uvicorn process on loopback
gets 200 MB (chunked, or announced by Content-Length) and answers 413 without holding the body in memory."""

from __future__ import annotations

import json
import os
import selectors
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from booking.api.body_limit import MAX_BODY_BYTES
from booking.infra.db import migrate

BODY = 200 * 1024 * 1024
CHUNK = 64 * 1024
MAX_GROWTH = 50 * 1024 * 1024  # the body is 200 MB; reading it whole grew the server by ~400 MB
CONFIG = {"tenants": [{"tenant_id": "tnt_arogya", "razorpay": {"secrets": ["whsec_arogya_razorpay"]}}]}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, psutil.Process]]:
    """`uvicorn booking.api.app:create_app_from_env` in a subprocess on a free loopback port."""
    folder: Path = tmp_path_factory.mktemp("body_limit")
    url = f"sqlite:///{folder / 'booking.db'}"
    migrate(url)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "MYMEDIC_BOOKING_CONFIG": json.dumps(CONFIG), "MYMEDIC_BOOKING_DB": url}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "booking.api.app:create_app_from_env", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.1)
        yield port, psutil.Process(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _response(raw: bytes) -> tuple[int, dict]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head.lower():  # a chunked answer: join its chunks
        joined, rest = b"", body
        while rest:
            size, _, rest = rest.partition(b"\r\n")
            if int(size, 16) == 0:
                break
            joined, rest = joined + rest[: int(size, 16)], rest[int(size, 16) + 2 :]
        body = joined
    return status, json.loads(body)


def _post(port: int, path: str, server: psutil.Process, *, chunked: bool) -> tuple[int, dict, int]:
    """POST a 200 MB body; stop sending once the server answers. Returns status, body, peak RSS growth."""
    baseline = server.memory_info().rss
    peak = baseline
    framing = b"Transfer-Encoding: chunked" if chunked else f"Content-Length: {BODY}".encode()
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n".encode()
    frame = f"{CHUNK:x}\r\n".encode() + b"7" * CHUNK + b"\r\n" if chunked else b"7" * CHUNK
    queued, answer = 0, b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head + framing + b"\r\n\r\n")
        sock.setblocking(False)
        pending = b""
        while True:
            if not pending and queued < BODY:
                pending, queued = frame, queued + CHUNK
                if queued == BODY and chunked:
                    pending += b"0\r\n\r\n"  # the last chunk
                if queued % (16 * 1024 * 1024) == 0:
                    peak = max(peak, server.memory_info().rss)
            # a selector, not select.select: a worker that ran many tests may hold fds past select's 1024
            with selectors.DefaultSelector() as selector:
                selector.register(sock, selectors.EVENT_READ | (selectors.EVENT_WRITE if pending else 0))
                ready = selector.select(30)
            readable = any(mask & selectors.EVENT_READ for _, mask in ready)
            writable = any(mask & selectors.EVENT_WRITE for _, mask in ready)
            if readable:
                break
            if not writable:
                raise AssertionError("the server neither answered nor read on for 30 s")
            try:
                pending = pending[sock.send(pending) :]
            except (BrokenPipeError, ConnectionResetError):
                break
        sock.setblocking(True)
        try:
            while chunk := sock.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer and answer.rstrip().endswith((b"}", b"0")):
                    break
        except ConnectionResetError:
            pass
    peak = max(peak, server.memory_info().rss)
    status, body = _response(answer)
    return status, body, peak - baseline


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
@pytest.mark.parametrize("path", ["/v1/webhooks/razorpay", "/v1/webhooks/tele", "/v1/bookings"])
def test_oversized_body_is_refused_while_streaming(
    server: tuple[int, psutil.Process], path: str, chunked: bool
) -> None:
    port, process = server
    status, body, growth = _post(port, path, process, chunked=chunked)
    assert growth < MAX_GROWTH, f"the server grew by {growth / 2**20:.0f} MB (answered {status})"
    assert status == 413
    assert body == {
        "detail": f"request bodies are limited to {MAX_BODY_BYTES} bytes; send a smaller body",
        "errors": [],
    }


def test_bodies_within_the_limit_still_reach_the_routes(server: tuple[int, psutil.Process]) -> None:
    port, _ = server
    padded = httpx.post(
        f"http://127.0.0.1:{port}/v1/bookings", content=b" " * (MAX_BODY_BYTES - 2) + b"{}",
        headers={"Content-Type": "application/json", "Idempotency-Key": "k1"},
    )  # fmt: skip
    assert padded.status_code == 401  # read whole, then refused for what it is: no credentials
