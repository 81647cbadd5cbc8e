"""Local stand-ins of the messaging providers, speaking their documented shapes on loopback (tests, bench).

- `whatsapp_cloud()`: WhatsApp Business Cloud API, `POST /{version}/{phone-number-id}/messages` (bearer
  token), template messages; answers `{"messaging_product", "contacts", "messages": [{"id": "wamid…"}]}` or
  Meta's `{"error": {"message", "type", "code", "error_data", "error_subcode"?, "fbtrace_id"}}`: 132001 for
  a template it does not know, 131026 for a number it cannot deliver to, 131050 for a number that opted out.
- `msg91()`: MSG91's Flow API, `POST /api/v5/flow/` (header `authkey`): `{"type": "success", "message":
  "<request id>"}`, or `{"type": "error", "message": …}` for an unknown template or an invalid mobile.
- `smtp_relay()`: an aiosmtpd server; a recipient in `refused` gets 550, everything while `down` gets 451.

Each has `down` (answer 503 / 451: an outage) and `script` (answers to give first, in order: `503`,
`(429, "30")` for Meta's 130429 or MSG91's 429 with that Retry-After), and keeps what it accepted.
"""

from __future__ import annotations

import email
import json
import re
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from http.server import BaseHTTPRequestHandler
from typing import Any

from support.loopback_http import serve_http

Answer = int | tuple[int, str]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Provider:
    base_url: str = ""
    down: bool = False
    script: list[Answer] = field(default_factory=list)
    accepted: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def forced(self) -> Answer | None:
        with self.lock:
            self.requests += 1
            if self.down:
                return 503
            return self.script.pop(0) if self.script else None


@dataclass
class WhatsAppCloud(Provider):
    token: str = "wa-test-token"
    templates: set[str] = field(default_factory=set)  # empty: every name is approved
    undeliverable: set[str] = field(default_factory=set)
    opted_out: set[str] = field(default_factory=set)


@dataclass
class Msg91(Provider):
    authkey: str = "msg91-test-authkey"
    templates: set[str] = field(default_factory=set)  # empty: every template id is approved
    invalid: set[str] = field(default_factory=set)


class _Json(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status: int, body: dict[str, Any], retry_after: str | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.end_headers()
        self.wfile.write(data)

    def body(self) -> dict[str, Any]:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            parsed = json.loads(raw)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}

    def log_message(self, format: str, *args: object) -> None:
        pass


def _meta_error(code: int, message: str, details: str) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details},
            "fbtrace_id": uuid.uuid4().hex[:22],
        }
    }


@contextmanager
def whatsapp_cloud(phone_number_id: str = "106540352242922") -> Iterator[WhatsAppCloud]:
    wa = WhatsAppCloud()
    path = re.compile(rf"^/v\d+\.\d+/{phone_number_id}/messages$")

    class Handler(_Json):
        def do_POST(self) -> None:
            body = self.body()
            forced = wa.forced()
            if forced is not None:
                status, wait = forced if isinstance(forced, tuple) else (forced, None)
                if status == 429:
                    error = _meta_error(
                        130429, "(#130429) Rate limit hit", "Cloud API message throughput reached"
                    )
                    return self.answer(429, error, wait)
                return self.answer(status, _meta_error(131000, "Something went wrong", "Service unavailable"))
            if not path.match(self.path):
                return self.answer(400, _meta_error(100, "Unsupported post request", "Unknown path"))
            if self.headers.get("Authorization") != f"Bearer {wa.token}":
                return self.answer(401, _meta_error(190, "Error validating access token", "Invalid token"))
            template = body.get("template") or {}
            if body.get("messaging_product") != "whatsapp" or body.get("type") != "template" or not template:
                return self.answer(400, _meta_error(100, "(#100) Invalid parameter", "type must be template"))
            name = template.get("name")
            if wa.templates and name not in wa.templates:
                return self.answer(
                    404, _meta_error(132001, "(#132001) Template name does not exist in the translation",
                                     f"template name ({name}) does not exist in {template['language']['code']}")
                )  # fmt: skip
            to = str(body.get("to"))
            if to in wa.opted_out:
                return self.answer(
                    400, _meta_error(131050, "Unable to deliver message", "recipient opted out")
                )
            if to in wa.undeliverable:
                return self.answer(
                    400, _meta_error(131026, "Message undeliverable", "recipient cannot be reached")
                )
            components = template.get("components") or []
            parameters = [
                p["text"] for c in components if c.get("type") == "body" for p in c.get("parameters", [])
            ]
            wamid = "wamid.HBgM" + uuid.uuid4().hex.upper()
            with wa.lock:
                wa.accepted.append(
                    {"id": wamid, "to": to, "name": name, "language": template["language"]["code"],
                     "parameters": parameters}
                )  # fmt: skip
            self.answer(
                200,
                {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                 "messages": [{"id": wamid, "message_status": "accepted"}]},
            )  # fmt: skip

    with serve_http(Handler, name="whatsapp-cloud") as url:
        wa.base_url = url
        yield wa


@contextmanager
def msg91() -> Iterator[Msg91]:
    provider = Msg91()

    class Handler(_Json):
        def do_POST(self) -> None:
            body = self.body()
            forced = provider.forced()
            if forced is not None:
                status, wait = forced if isinstance(forced, tuple) else (forced, None)
                return self.answer(status, {"type": "error", "message": "Too many requests"}, wait)
            if self.path.rstrip("/") != "/api/v5/flow":
                return self.answer(404, {"type": "error", "message": "Not found"})
            if self.headers.get("authkey") != provider.authkey:
                return self.answer(401, {"type": "error", "message": "Authentication failure"})
            template_id = body.get("template_id")
            if not template_id or (provider.templates and template_id not in provider.templates):
                return self.answer(
                    400, {"type": "error", "message": "Template ID Missing or Invalid Template"}
                )
            recipients = body.get("recipients") or []
            for recipient in recipients:
                mobile = str(recipient.get("mobiles", ""))
                if not re.fullmatch(r"91[6-9]\d{9}", mobile) or mobile in provider.invalid:
                    return self.answer(400, {"type": "error", "message": "Invalid mobile number"})
            request_id = uuid.uuid4().hex[:24]
            with provider.lock:
                for recipient in recipients:
                    variables = {k: v for k, v in recipient.items() if k != "mobiles"}
                    provider.accepted.append(
                        {"id": request_id, "to": recipient["mobiles"], "template_id": template_id,
                         "sender": body.get("sender"), "variables": variables}
                    )  # fmt: skip
            self.answer(200, {"type": "success", "message": request_id})

    with serve_http(Handler, name="msg91") as url:
        provider.base_url = url
        yield provider


@dataclass
class SmtpRelay(Provider):
    host: str = "127.0.0.1"
    port: int = 0
    refused: set[str] = field(default_factory=set)


@contextmanager
def smtp_relay() -> Iterator[SmtpRelay]:
    from aiosmtpd.controller import Controller

    relay = SmtpRelay()

    class Handler:
        async def handle_RCPT(
            self, server: Any, session: Any, envelope: Any, address: str, options: Any
        ) -> str:
            if relay.forced() is not None:
                return "451 4.3.0 Temporary failure, try again later"
            if address in relay.refused:
                return "550 5.1.1 No such user here"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            mail = email.message_from_bytes(envelope.content, policy=policy.default)
            with relay.lock:
                relay.accepted.append(
                    {"id": mail["Message-ID"], "to": envelope.rcpt_tos[0], "subject": mail["Subject"],
                     "text": mail.get_content().strip()}
                )  # fmt: skip
            return "250 Message accepted for delivery"

    relay.port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=relay.port)
    controller.start()
    try:
        yield relay
    finally:
        controller.stop()
