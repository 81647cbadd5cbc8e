"""ADT events a tenant's HIS pushes (`POST /v1/adt/events`): authenticate the HIS (the tenant's ADT API key,
its optional IP allowlist), check the body's shape, and store it once per (tenant, sender, message id) in the
same transaction as its audit row, before the route answers 202. A resend finds it stored and is a
duplicate (202 again, nothing written)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from sqlalchemy.exc import IntegrityError

from booking.domain.clock import Clock
from booking.domain.errors import BadRequest, Forbidden, Unauthorized
from booking.infra import adt_inbox, audit
from booking.infra.db import Database
from booking.integrations.adt_payloads import PayloadError, parse_payload
from booking.settings import ApiKey, BookingConfig, TenantConfig, hash_api_key


class Parts(Protocol):
    config: BookingConfig
    db: Database
    clock: Clock


@dataclass(frozen=True, slots=True)
class Accepted:
    status: Literal["stored", "duplicate"]
    message_id: str
    sender: str


def _caller(config: BookingConfig, api_key: str | None, host: str | None) -> tuple[TenantConfig, ApiKey]:
    if not api_key:
        raise Unauthorized("send the tenant's ADT API key (X-API-Key)")
    digest = hash_api_key(api_key)
    for tenant in config.tenants:
        if tenant.adt is None:
            continue
        for key in tenant.adt.api_keys:
            if key.sha256 == digest:
                if not tenant.adt.allows(host):
                    raise Forbidden("this source address may not send ADT events for this tenant")
                return tenant, key
    raise Unauthorized("the API key is not a tenant's ADT key")


def receive(service: Parts, api_key: str | None, host: str | None, body: bytes) -> Accepted:
    tenant, key = _caller(service.config, api_key, host)
    assert tenant.adt is not None
    try:
        payload = parse_payload(body)
    except PayloadError as error:
        raise BadRequest(str(error)) from None
    sender, now = tenant.adt.sender, service.clock.now()
    duplicate = Accepted(status="duplicate", message_id=payload.message_id, sender=sender)
    try:
        with service.db.write() as s:
            if adt_inbox.is_stored(s, tenant.tenant_id, sender, payload.message_id):
                return duplicate
            adt_inbox.store(s, tenant_id=tenant.tenant_id, sender=sender, message_id=payload.message_id,
                            kind=payload.kind, body=body.decode("utf-8"), at=now)  # fmt: skip
            audit.record(s, tenant_id=tenant.tenant_id, actor=f"adt_key:{key.key_id}", action="adt.received",
                         entity_type="adt_event", entity_id=payload.message_id[:64], at=now,
                         after={"sender": sender, "kind": payload.kind, "event": payload.event})  # fmt: skip
    except IntegrityError:  # a concurrent resend stored it first
        with service.db.read() as s:
            if adt_inbox.is_stored(s, tenant.tenant_id, sender, payload.message_id):
                return duplicate
        raise
    return Accepted(status="stored", message_id=payload.message_id, sender=sender)
