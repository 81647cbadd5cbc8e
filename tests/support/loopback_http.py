"""A real HTTP server on 127.0.0.1 in a thread, for the local stand-ins of providers (Razorpay, an OpenID
provider): the handler answers, this module only starts and stops it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def serve_http(handler: type[BaseHTTPRequestHandler], *, name: str, port: int = 0) -> Iterator[str]:
    """Serve `handler` on 127.0.0.1 (`port`, or a free one) for the `with` block; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
