"""The operator page served for real (the `served` fixture in conftest.py): the generator's chain with two broken booking events loaded into an
embedded warehouse, a migrated booking database with one partner dead letter, a partner endpoint on loopback
that accepts events, and the page on uvicorn."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from support.staff_tokens import TENANT, StaffKeys

from booking.infra.db import Database
from booking.infra.models import AuditEvent, Message, MessageDeadLetter, OutboxEvent, PartnerDeadLetter

EVENTS = "events/2026-10-02.ndjson"
BROKEN_LINES = (5, 9)  # 1-based lines of EVENTS whose `time` is made unreadable
NOW = datetime(2026, 10, 4, 6, 30, tzinfo=UTC)
OTHER = "tnt_sehat"
PARTNER = "ledger"
PHONE = "+919845012345"  # a patient's number, which a provider's error quotes


@dataclass
class Partner:
    received: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with partner.lock:
                    partner.received.append(body)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        return Handler


@dataclass
class Served:
    url: str
    data: Path
    warehouse_url: str
    db_url: str
    staff: StaffKeys
    good_lines: dict[int, str]  # the broken lines as they were
    dead_letters: dict[str, int]  # tenant -> its partner dead letter's id
    dead_message: int  # the tenant's dead-lettered message's dead letter id
    partner: Partner

    def token(self, role: str, sub: str, tenant: str = TENANT) -> str:
        return self.staff.token(tenant, sub=sub, roles=[role])

    def audit(self) -> list[tuple[str, str, str, str, dict[str, Any]]]:
        """(actor, action, entity type, entity id, after) of every audit row, in order."""
        db = Database(self.db_url)
        try:
            with db.read() as s:
                return [
                    (a.actor, a.action, a.entity_type, a.entity_id, json.loads(a.after or "{}"))
                    for a in s.query(AuditEvent).order_by(AuditEvent.id)
                ]
        finally:
            db.dispose()


def break_events(data: Path) -> dict[int, str]:
    path = data / EVENTS
    lines = path.read_text(encoding="utf-8").splitlines()
    good = {}
    for number in BROKEN_LINES:
        good[number] = lines[number - 1]
        event = json.loads(lines[number - 1])
        event["time"] = "2026-10-02 25:99"
        lines[number - 1] = json.dumps(event, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return good


def add_dead(db_url: str, parent: Any, dead: PartnerDeadLetter | MessageDeadLetter) -> int:
    """Write a dead letter and the row it is about (an outbox event, a message); its id."""
    db = Database(db_url)
    try:
        with db.write() as s:
            s.add(parent)
            s.add(dead)
            s.flush()
            return dead.id
    finally:
        db.dispose()


def dead_letter(db_url: str, tenant: str) -> int:
    """An outbox event of `tenant` its partner endpoint did not take: the rows the worker writes."""
    event_id = f"evt-{tenant}"
    body = {"specversion": "1.0", "id": event_id, "type": "appointment.booked", "tenantid": tenant}
    event = OutboxEvent(
        event_id=event_id, tenant_id=tenant, branch_id="br_blr01", event_type="appointment.booked",
        subject="bk_1", event_time=NOW, body=json.dumps(body),
    )  # fmt: skip
    return add_dead(db_url, event, PartnerDeadLetter(
        endpoint=f"{tenant}:{PARTNER}", event_id=event_id, tenant_id=tenant, event_type="appointment.booked",
        attempts=8, last_status_code=503, last_error="HTTP 503", dead_at=NOW,
    ))  # fmt: skip


def dead_message(db_url: str, tenant: str) -> int:
    """A WhatsApp reminder the provider refused for good: the message and its dead letter, as the worker writes them."""
    message = Message(
        message_id="msg_1", tenant_id=tenant, branch_id="br_blr01", booking_id="bk_1", patient_id="pat_1",
        channel="whatsapp", provider="meta", purpose="reminder", template="reminder_v1", language="en",
        recipient=PHONE, recipient_masked="+91******2345", variables="{}", state="dead_lettered",
        scheduled_for=NOW, next_attempt_at=NOW, attempts=1, last_error_code="131026",
        last_error=f"{PHONE} is not a WhatsApp user", dead_lettered_at=NOW, created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    return add_dead(db_url, message, MessageDeadLetter(
        message_id="msg_1", tenant_id=tenant, channel="whatsapp", provider="meta", attempts=1,
        last_status_code=400, last_error_code="131026", last_error=f"{PHONE} is not a WhatsApp user",
        reason="permanent", dead_at=NOW,
    ))  # fmt: skip
