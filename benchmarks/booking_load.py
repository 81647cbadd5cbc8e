"""`make bench-booking`: load-test the booking service on loopback; figures printed, never asserted.

Starts `mymedic booking serve` on 127.0.0.1 (a free port) against a fresh SQLite file in a temp folder, or
the database named by `--db` / `$MYMEDIC_BOOKING_DB` (e.g. a PostgreSQL test database; it gets migrated
and seeded), then drives a realistic portal mix from `--concurrency` clients for `--duration` seconds:
directory reads, free-slot lookups, bookings with their deposit paid by a signed Razorpay webhook,
booking reads, cancellations (with refunds), reschedules. Prints requests/s, p50/p99 latency and errors
(5xx, transport errors, and any answer the mix did not expect). Stops by itself; loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from benchmarks.loopback import free_port, percentile, run_clients, stop, wait_ready
from booking.domain.clock import IST
from booking.infra.db import Database, migrate
from booking.infra.directory import Directory, load_directory
from booking.integrations.signatures import (
    RAZORPAY_EVENT_ID_HEADER,
    RAZORPAY_SIGNATURE_HEADER,
    razorpay_signature,
)
from booking.settings import hash_api_key

TENANT = "tnt_bench"
API_KEY = "pk_bench_" + uuid.uuid4().hex
RAZORPAY_SECRET = "whsec_bench_" + uuid.uuid4().hex
BRANCHES = ("br_blr01", "br_mum01", "br_del01")
DOCTORS_PER_BRANCH = 4
console = Console()


def write_config(folder: Path) -> Path:
    config = {
        "tenants": [
            {
                "tenant_id": TENANT,
                "name": "Bench Clinics",
                "api_keys": [{"key_id": "bench", "sha256": hash_api_key(API_KEY)}],
                "razorpay": {"secrets": [RAZORPAY_SECRET]},
                "booking_window_days": 14,
                "max_reschedules": 5,
            }
        ]
    }
    path = folder / "booking-config.json"
    path.write_text(json.dumps(config))
    return path


def seed(url: str) -> None:
    sitting = {"weekdays": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "24:00", "slot_minutes": 5}
    directory = Directory.model_validate(
        {
            "tenants": [
                {
                    "tenant_id": TENANT,
                    "name": "Bench Clinics",
                    "branches": [
                        {
                            "branch_id": branch,
                            "name": f"Bench {branch}",
                            "city": "Bengaluru",
                            "state": "Karnataka",
                            "doctors": [
                                {
                                    "doctor_id": f"doc_{branch[3:]}_{n:02d}",
                                    "name": f"Dr. Bench {n}",
                                    "specialty": "General Physician" if n == 1 else "Dermatology",
                                    "consultation_fee_paise": 50_000 + 5_000 * n,
                                    "schedule": [sitting],
                                }
                                for n in range(1, DOCTORS_PER_BRANCH + 1)
                            ],
                        }
                        for branch in BRANCHES
                    ],
                }
            ]
        }
    )
    migrate(url)
    db = Database(url)
    try:
        load_directory(db, directory)
    finally:
        db.dispose()


@dataclass
class Stats:
    latencies: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str, seconds: float, status: int, expected: tuple[int, ...]) -> None:
        with self.lock:
            self.latencies[name].append(seconds)
            self.statuses[(name, status)] += 1
            if status not in expected:
                self.errors[f"{name} -> {status}"] += 1


class Patient:
    """One load client: browses, books, pays, sometimes cancels or reschedules."""

    def __init__(self, base_url: str, stats: Stats, seed: int) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30, headers={"X-API-Key": API_KEY})
        self.stats = stats
        self.rng = random.Random(seed)
        self.mine: list[dict[str, Any]] = []

    def call(
        self, name: str, method: str, path: str, expected: tuple[int, ...], **kwargs: Any
    ) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            with self.stats.lock:
                self.stats.errors[f"{name} -> {type(exc).__name__}"] += 1
            return None
        self.stats.record(name, time.perf_counter() - started, response.status_code, expected)
        return response

    def doctor(self) -> str:
        branch = self.rng.choice(BRANCHES)
        return f"doc_{branch[3:]}_{self.rng.randint(1, DOCTORS_PER_BRANCH):02d}"

    def day(self) -> date:
        return datetime.now(IST).date() + timedelta(days=self.rng.randint(1, 6))

    def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.20:
            self.call(
                "GET /v1/doctors",
                "GET",
                "/v1/doctors",
                (200,),
                params={"branch_id": self.rng.choice(BRANCHES)},
            )
        elif roll < 0.45:
            self.call(
                "GET /v1/doctors/{id}/slots", "GET", f"/v1/doctors/{self.doctor()}/slots", (200,),
                params={"date": self.day().isoformat()},
            )  # fmt: skip
        elif roll < 0.52:
            self.call("GET /v1/branches", "GET", "/v1/branches", (200,))
        elif roll < 0.57:
            self.call("GET /v1/pricing", "GET", "/v1/pricing", (200,))
        elif roll < 0.80:
            self.book_and_pay()
        elif roll < 0.88 and self.mine:
            booking = self.rng.choice(self.mine)
            self.call("GET /v1/bookings/{id}", "GET", f"/v1/bookings/{booking['booking_id']}", (200,))
        elif roll < 0.94 and self.mine:
            booking = self.mine.pop(self.rng.randrange(len(self.mine)))
            self.call(
                "POST /v1/bookings/{id}/cancel", "POST", f"/v1/bookings/{booking['booking_id']}/cancel", (200,),
                json={"reason": "patient_request"}, headers={"Idempotency-Key": uuid.uuid4().hex},
            )  # fmt: skip
        elif self.mine:
            booking = self.rng.choice(self.mine)
            self.call(
                "POST /v1/bookings/{id}/reschedule", "POST", f"/v1/bookings/{booking['booking_id']}/reschedule",
                (200, 409), json={"slot_start": self.slot_start()}, headers={"Idempotency-Key": uuid.uuid4().hex},
            )  # fmt: skip
        else:
            self.book_and_pay()

    def slot_start(self) -> str:
        day = self.day()
        minute = self.rng.randrange(0, 24 * 60, 5)
        start = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=IST)
        return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def book_and_pay(self) -> None:
        doctor = self.doctor()
        body = {
            "branch_id": "br_" + doctor.split("_")[1],
            "doctor_id": doctor,
            "slot_start": self.slot_start(),
            "patient": {"name": "Bench Patient", "phone": f"9{self.rng.randrange(10**9):09d}"},
            "channel": "widget",
        }
        response = self.call(
            "POST /v1/bookings", "POST", "/v1/bookings", (201, 409), json=body,
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )  # fmt: skip
        if response is None or response.status_code != 201:
            return
        booking = response.json()
        order = booking["orders"][0]
        now = int(time.time())
        payload = {
            "entity": "event",
            "event": "payment.captured",
            "contains": ["payment"],
            "payload": {
                "payment": {
                    "entity": {
                        "id": f"pay_B{uuid.uuid4().hex[:13]}",
                        "amount": order["amount_paise"],
                        "currency": "INR",
                        "status": "captured",
                        "order_id": order["order_id"],
                        "method": self.rng.choice(["upi", "upi", "upi", "card", "wallet", "netbanking"]),
                        "created_at": now,
                    }
                }
            },
            "created_at": now,
        }
        raw = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            RAZORPAY_SIGNATURE_HEADER: razorpay_signature(RAZORPAY_SECRET, raw),
            RAZORPAY_EVENT_ID_HEADER: f"evt_{uuid.uuid4().hex[:16]}",
        }
        self.call(
            "POST /v1/webhooks/razorpay",
            "POST",
            "/v1/webhooks/razorpay",
            (200,),
            content=raw,
            headers=headers,
        )
        self.mine.append(booking)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load (default 20)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="stop early after this many")
    parser.add_argument("--db", default=os.environ.get("MYMEDIC_BOOKING_DB", ""), help="database URL")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="booking-bench-"))
    url = args.db or f"sqlite:///{folder / 'booking.db'}"
    process: subprocess.Popen[bytes] | None = None
    try:
        seed(url)
        config = write_config(folder)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log = (folder / "server.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "mymedic.cli", "booking", "serve", "--host", "127.0.0.1",
             "--port", str(port), "--db", url, "--config", str(config)],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        wait_ready(base_url, process)
        backend = url.split(":", 1)[0]
        console.print(
            f"Booking service on {base_url} ({backend}); {args.concurrency} clients for {args.duration:.0f} s ..."
        )
        stats = Stats()
        stop_at = time.monotonic() + args.duration
        budget = threading.Semaphore(args.max_requests)

        def client(n: int) -> None:
            patient = Patient(base_url, stats, args.seed * 1000 + n)
            try:
                while time.monotonic() < stop_at and budget.acquire(blocking=False):
                    patient.step()
            finally:
                patient.http.close()

        elapsed = run_clients(client, args.concurrency)
        report(stats, elapsed, backend, args.concurrency)
    finally:
        stop(process)
        shutil.rmtree(folder, ignore_errors=True)


def report(stats: Stats, elapsed: float, backend: str, concurrency: int) -> None:
    everything = sorted(x for values in stats.latencies.values() for x in values)
    total = len(everything)
    table = Table(title=f"Booking service under load: {backend}, {concurrency} clients, {elapsed:.1f} s")
    for column in ("operation", "requests", "p50 ms", "p99 ms", "status codes"):
        table.add_column(column, justify="left" if column in ("operation", "status codes") else "right")
    for name in sorted(stats.latencies):
        values = sorted(stats.latencies[name])
        codes = ", ".join(f"{code}×{n}" for (op, code), n in sorted(stats.statuses.items()) if op == name)
        table.add_row(
            name,
            str(len(values)),
            f"{percentile(values, 0.5) * 1000:.1f}",
            f"{percentile(values, 0.99) * 1000:.1f}",
            codes,
        )
    console.print(table)
    errors = sum(stats.errors.values())
    console.print(
        f"[bold]{total / elapsed:.0f} requests/s[/bold]  p50 {percentile(everything, 0.5) * 1000:.1f} ms  "
        f"p99 {percentile(everything, 0.99) * 1000:.1f} ms  errors {errors} (of {total} requests)"
    )
    for what, n in stats.errors.most_common():
        console.print(f"  error: {what} ×{n}")


if __name__ == "__main__":
    main()
