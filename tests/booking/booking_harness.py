"""Test harness for the booking service: tenants, keys, a seeded directory, and a client that speaks the
service's protocols (API key, staff JWT, Idempotency-Key, signed Razorpay and tele webhooks)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from support.loopback_http import serve_in_thread as serve_in_thread  # re-exported for the booking tests
from support.staff_tokens import AUDIENCE, ISSUER, TENANT, StaffKeys

from booking.domain.clock import IST, ManualClock
from booking.infra.db import Database
from booking.infra.directory import Directory, load_directory
from booking.infra.models import OutboxEvent
from booking.integrations import signatures
from booking.settings import BookingConfig, hash_api_key

OTHER = "tnt_sehat"
KEYS = {TENANT: "pk_arogya_portal_0123456789", OTHER: "pk_sehat_portal_9876543210"}
RAZORPAY_SECRETS = {TENANT: "whsec_arogya_razorpay", OTHER: "whsec_sehat_razorpay"}
TELE_SECRETS = {TENANT: "whsec_arogya_tele", OTHER: "whsec_sehat_tele"}
TELE_APP_SECRET = "jitsi-app-secret-arogya-0123456789abcdef"
# Thursday 1 October 2026, 08:00 IST
START = datetime(2026, 10, 1, 8, 0, tzinfo=IST)

SITTINGS = [
    {"weekdays": [0, 1, 2, 3, 4, 5], "start": "09:00", "end": "13:00", "slot_minutes": 15},
    {"weekdays": [0, 1, 2, 3, 4, 5], "start": "14:00", "end": "18:00", "slot_minutes": 15},
]


def directory() -> Directory:
    def doctor(doctor_id: str, specialty: str, fee: int, tele: int | None = None) -> dict[str, Any]:
        return {
            "doctor_id": doctor_id,
            "name": f"Dr. {doctor_id.title()}",
            "specialty": specialty,
            "consultation_fee_paise": fee,
            "tele_fee_paise": tele,
            "schedule": SITTINGS,
        }

    return Directory.model_validate(
        {
            "tenants": [
                {
                    "tenant_id": TENANT,
                    "name": "Arogya Clinics",
                    "branches": [
                        {
                            "branch_id": "br_blr01",
                            "name": "Arogya Indiranagar",
                            "city": "Bengaluru",
                            "state": "Karnataka",
                            "doctors": [
                                doctor("doc_blr01_01", "General Physician", 50_000, 40_000),
                                doctor("doc_blr01_02", "Dermatology", 79_900),
                            ],
                        },
                        {
                            "branch_id": "br_mum01",
                            "name": "Arogya Andheri West",
                            "city": "Mumbai",
                            "state": "Maharashtra",
                            "doctors": [
                                doctor("doc_mum01_01", "General Physician", 45_000, 36_000),
                                doctor("doc_mum01_02", "Paediatrics", 65_000),
                            ],
                        },
                    ],
                },
                {
                    "tenant_id": OTHER,
                    "name": "Sehat Clinics",
                    "branches": [
                        {
                            "branch_id": "br_del01",
                            "name": "Sehat Saket",
                            "city": "New Delhi",
                            "state": "Delhi",
                            "doctors": [doctor("doc_del01_01", "General Physician", 60_000)],
                        }
                    ],
                },
            ]
        }
    )


def seed(db_url: str) -> None:
    db = Database(db_url)
    try:
        load_directory(db, directory())
    finally:
        db.dispose()


def make_config(staff: StaffKeys, **tenant_overrides: Any) -> BookingConfig:
    tenants = []
    for tenant_id in (TENANT, OTHER):
        tenants.append(
            {
                "tenant_id": tenant_id,
                "api_keys": [{"key_id": "portal", "sha256": hash_api_key(KEYS[tenant_id])}],
                "razorpay": {"secrets": [RAZORPAY_SECRETS[tenant_id]]},
                "tele": {
                    "domain": "meet.mymedic.test",
                    "app_id": "mymedic",
                    "app_secret": TELE_APP_SECRET,
                    "webhook": {"secrets": [TELE_SECRETS[tenant_id]]},
                },
                **(tenant_overrides if tenant_id == TENANT else {}),
            }
        )
    return BookingConfig.model_validate(
        {
            "tenants": tenants,
            "staff_auth": {"jwks": staff.jwks, "issuer": ISSUER, "audience": AUDIENCE},
        }
    )


def slot(day: date, hhmm: str) -> datetime:
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=IST)


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_key() -> str:
    return f"idem-{uuid.uuid4().hex}"


@dataclass
class Harness:
    http: httpx.Client
    clock: ManualClock
    db_url: str
    staff: StaffKeys
    payment_seq: int = 0

    # ---- callers ----
    def portal(self, tenant: str = TENANT) -> dict[str, str]:
        return {"X-API-Key": KEYS[tenant]}

    def staff_headers(self, tenant: str = TENANT, **kwargs: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.staff.token(tenant, **kwargs)}"}

    def post(
        self,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        key: str | None = "",
    ) -> httpx.Response:
        sent = dict(headers if headers is not None else self.portal())
        if key is not None:
            sent["Idempotency-Key"] = key or new_key()
        return self.http.post(path, json=body, headers=sent)

    def get(self, path: str, *, headers: dict[str, str] | None = None, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params, headers=headers if headers is not None else self.portal())

    # ---- portal flows ----
    def book(
        self,
        doctor_id: str,
        when: datetime,
        *,
        branch_id: str | None = None,
        visit_type: str = "in_person",
        phone: str = "+919812345678",
        tenant: str = TENANT,
        key: str = "",
    ) -> httpx.Response:
        branch = branch_id or "br_" + doctor_id.split("_")[1]
        body = {
            "branch_id": branch,
            "doctor_id": doctor_id,
            "slot_start": iso(when),
            "visit_type": visit_type,
            "patient": {"name": "Asha Rao", "phone": phone},
        }
        return self.post("/v1/bookings", body, headers=self.portal(tenant), key=key)

    def booked(self, doctor_id: str, when: datetime, **kwargs: Any) -> dict[str, Any]:
        response = self.book(doctor_id, when, **kwargs)
        assert response.status_code == 201, response.text
        return response.json()

    # ---- Razorpay ----
    def razorpay(
        self,
        payload: dict[str, Any],
        *,
        event_id: str | None = None,
        secret: str = RAZORPAY_SECRETS[TENANT],
        signature: str | None = None,
    ) -> httpx.Response:
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            signatures.RAZORPAY_SIGNATURE_HEADER: signature or signatures.razorpay_signature(secret, body),
            signatures.RAZORPAY_EVENT_ID_HEADER: event_id or f"evt_{uuid.uuid4().hex[:16]}",
        }
        return self.http.post("/v1/webhooks/razorpay", content=body, headers=headers)

    def next_payment_id(self) -> str:
        self.payment_seq += 1
        return f"pay_T{uuid.uuid4().hex[:9]}{self.payment_seq:05d}"

    def pay(
        self,
        order_id: str,
        amount: int,
        *,
        method: str = "upi",
        payment_id: str | None = None,
        tenant: str = TENANT,
        authorize_first: bool = True,
    ) -> str:
        payment_id = payment_id or self.next_payment_id()
        events = ["payment.authorized", "payment.captured"] if authorize_first else ["payment.captured"]
        for event in events:
            response = self.razorpay(
                payment_event(event, payment_id, order_id, amount, method, self.clock.now()),
                secret=RAZORPAY_SECRETS[tenant],
            )
            assert response.status_code == 200, response.text
        return payment_id

    def refund_processed(self, refund: dict[str, Any], tenant: str = TENANT) -> httpx.Response:
        payload = refund_event(
            "refund.processed",
            refund["refund_id"],
            refund["payment_id"],
            refund["amount_paise"],
            self.clock.now(),
        )
        return self.razorpay(payload, secret=RAZORPAY_SECRETS[tenant])

    # ---- tele provider ----
    def tele_event(
        self,
        event_type: str,
        room_id: str,
        *,
        event_id: str | None = None,
        secret: str = TELE_SECRETS[TENANT],
        timestamp: int | None = None,
        **extra: Any,
    ) -> httpx.Response:
        body = json.dumps(
            {
                "event_id": event_id or f"tel_{uuid.uuid4().hex[:16]}",
                "type": event_type,
                "room_id": room_id,
                "occurred_at": iso(self.clock.now()),
                **extra,
            }
        ).encode()
        headers = {
            "Content-Type": "application/json",
            signatures.SIGNATURE_HEADER: signatures.sign(
                secret, body, int(self.clock.now().timestamp()) if timestamp is None else timestamp
            ),
        }
        return self.http.post("/v1/webhooks/tele", content=body, headers=headers)

    # ---- the outbox ----
    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        from sqlalchemy import select

        db = Database(self.db_url)
        try:
            with db.read() as s:
                bodies = s.scalars(select(OutboxEvent.body).order_by(OutboxEvent.seq)).all()
        finally:
            db.dispose()
        events = [json.loads(b) for b in bodies]
        return [e for e in events if event_type is None or e["type"] == event_type]


def payment_event(
    event: str, payment_id: str, order_id: str, amount: int, method: str, at: datetime, currency: str = "INR"
) -> dict[str, Any]:
    status = {"payment.authorized": "authorized", "payment.captured": "captured", "payment.failed": "failed"}[
        event
    ]
    ts = int(at.timestamp())
    return {
        "entity": "event",
        "account_id": "acc_TEST000000001",
        "event": event,
        "contains": ["payment"],
        "payload": {
            "payment": {
                "entity": {
                    "id": payment_id,
                    "entity": "payment",
                    "amount": amount,
                    "currency": currency,
                    "status": status,
                    "order_id": order_id,
                    "method": method,
                    "captured": status == "captured",
                    "card": {"last4": "1111", "network": "Visa"} if method == "card" else None,
                    "created_at": ts,
                }
            }
        },
        "created_at": ts,
    }


def refund_event(event: str, refund_id: str, payment_id: str, amount: int, at: datetime) -> dict[str, Any]:
    ts = int(at.timestamp())
    status = {"refund.created": "pending", "refund.processed": "processed", "refund.failed": "failed"}[event]
    return {
        "entity": "event",
        "account_id": "acc_TEST000000001",
        "event": event,
        "contains": ["refund"],
        "payload": {
            "refund": {
                "entity": {
                    "id": refund_id,
                    "entity": "refund",
                    "amount": amount,
                    "currency": "INR",
                    "payment_id": payment_id,
                    "status": status,
                    "created_at": ts,
                }
            }
        },
        "created_at": ts,
    }


def next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)
