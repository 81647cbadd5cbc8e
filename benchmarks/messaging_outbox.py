"""Outbox send throughput: patient messages per second from the `messages` table to local providers.

`python -m benchmarks.messaging_outbox [--messages N] [--db URL]` queues N booking confirmations (a third
each on WhatsApp, SMS and email) in a fresh SQLite file (or the database `--db` names, migrated), then runs
the worker's `messages` job (booking.services.outbound_messages.send_due_messages) against local servers
speaking the WhatsApp Cloud API's, MSG91's and SMTP's shapes (tests/support/message_providers.py) until
nothing is due. Prints messages/s overall and per channel; asserts nothing but that every message went out
exactly once (the providers' counts equal the queue).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(
    0, str(Path(__file__).resolve().parents[1] / "tests")
)  # the local providers live with the tests
from support.message_providers import msg91, smtp_relay, whatsapp_cloud

from booking.domain.clock import ManualClock
from booking.domain.messaging import OUTBOUND_PROVIDER, load_templates, mask_recipient
from booking.infra.db import Database, migrate
from booking.infra.models import Message
from booking.services.outbound_messages import send_due_messages
from booking.services.partner_delivery import Transport
from booking.settings import BookingConfig

TOKEN_ENV = "MYMEDIC_BENCH_WHATSAPP_TOKEN"
NOW = datetime(2026, 10, 1, 4, 30, tzinfo=UTC)  # 10:00 IST: no quiet hours
CHANNELS = ("whatsapp", "sms", "email")


def _queue(db: Database, count: int) -> None:
    template = load_templates().get("booking_confirmation", "en")
    values = {"patient_name": "Asha Rao", "clinic_name": "Arogya Clinics", "branch_name": "Indiranagar",
              "doctor_name": "Dr. Rao", "slot_time": "Fri 02 Oct 2026, 10:00 IST", "booking_id": "bk_bench"}  # fmt: skip
    with db.write() as s:
        for i in range(count):
            channel = CHANNELS[i % 3]
            recipient = f"bench{i}@example.com" if channel == "email" else f"+9198{i:08d}"
            row = dict(
                message_id=f"msg_bench{i:09d}", tenant_id="tnt_bench", branch_id="br_bench", booking_id=None,
                patient_id=f"pat_{i}", channel=channel, provider=OUTBOUND_PROVIDER[channel],
                purpose="booking_confirmation", template=template.name_for(channel), language="en",
                recipient=recipient, recipient_masked=mask_recipient(channel, recipient),
                variables=json.dumps(values), state="queued", scheduled_for=NOW, next_attempt_at=NOW,
                attempts=0, created_at=NOW, updated_at=NOW,
            )  # fmt: skip
            s.add(Message(**row))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--db", default=None, help="Database URL (default: a fresh SQLite file)")
    args = parser.parse_args(argv)
    console = Console()
    with tempfile.TemporaryDirectory() as tmp, whatsapp_cloud() as wa, msg91() as sms, smtp_relay() as mail:
        os.environ[TOKEN_ENV] = wa.token
        url = args.db or f"sqlite:///{Path(tmp) / 'booking.db'}"
        migrate(url)
        db = Database(url)
        config = BookingConfig.model_validate({"tenants": [{"tenant_id": "tnt_bench", "messaging": {
            "channels": list(CHANNELS),
            "whatsapp": {"api_base_url": wa.base_url, "phone_number_id": "106540352242922",
                         "access_token": {"env": TOKEN_ENV}},
            "msg91": {"api_base_url": sms.base_url, "authkey": sms.authkey, "sender": "AROGYA"},
            "smtp": {"host": "127.0.0.1", "port": mail.port, "starttls": False,
                     "from_address": "care@bench.example"},
        }}]})  # fmt: skip
        try:
            _queue(db, args.messages)
            runs = 0
            with httpx.Client(timeout=10) as client:
                transport = Transport(client=client, clock=ManualClock(NOW), sleep=lambda _: None)
                started = time.perf_counter()
                sent = 0
                while True:
                    report = send_due_messages(db, config, transport)
                    runs += 1
                    sent += report.sent
                    if report.sent == 0:
                        break
                seconds = time.perf_counter() - started
        finally:
            db.dispose()
        got = Counter({"whatsapp": len(wa.accepted), "sms": len(sms.accepted), "email": len(mail.accepted)})
    want = Counter(CHANNELS[i % 3] for i in range(args.messages))
    if got != want or sent != args.messages:
        console.print(f"[red]sent {sent} of {args.messages}; providers took {dict(got)}[/red]")
        return 1
    table = Table(
        title=f"Outbox send throughput: {args.messages} messages, {runs - 1} runs, {url.split(':')[0]}"
    )
    for column in ("channel", "messages", "messages/s (whole run)"):
        table.add_column(column)
    for channel in CHANNELS:
        table.add_row(channel, str(got[channel]), "")
    table.add_row("all", str(sent), f"{sent / seconds:,.0f}")
    console.print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
