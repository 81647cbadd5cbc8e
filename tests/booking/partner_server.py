"""A partner's webhook endpoint on loopback (threaded http.server): each path answers from a script.

`script[path]` is a list of answers used in turn (the last one repeats): `200`, `500`, or
`(429, "2")` for a 429 with `Retry-After: 2`. Every request is kept (path, event id, signature, body).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from support.loopback_http import serve_http

Answer = int | tuple[int, str]


@dataclass
class Received:
    path: str
    event_id: str
    signature: str
    body: bytes
    status: int


@dataclass
class Partner:
    base_url: str = ""
    script: dict[str, list[Answer]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str) -> Answer:
        with self.lock:
            answers = self.script.get(path, [404])
            return answers.pop(0) if len(answers) > 1 else answers[0]

    def accepted(self, path: str) -> list[str]:
        return [r.event_id for r in self.received if r.path == path and 200 <= r.status < 300]


@contextmanager
def partner_server() -> Iterator[Partner]:
    partner = Partner()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answer = partner.answer(self.path)
            status, retry_after = answer if isinstance(answer, tuple) else (answer, None)
            with partner.lock:
                partner.received.append(
                    Received(
                        self.path,
                        self.headers.get("X-MyMedic-Event-Id", ""),
                        self.headers.get("X-MyMedic-Signature", ""),
                        body,
                        status,
                    )
                )
            self.send_response(status)
            if retry_after is not None:
                self.send_header("Retry-After", retry_after)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serve_http(Handler, name="partner-webhooks") as url:
        partner.base_url = url
        yield partner


def refused_url() -> str:
    """A loopback URL nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"
