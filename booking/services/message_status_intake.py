"""Delivery statuses posted back by the messaging providers: Meta (WhatsApp), MSG91 (SMS), SendGrid (email).

The tenant is the one whose secret verified the request (Meta's app secret, the MSG91 URL token, SendGrid's
verification key). Each status becomes a `message.status.<status>` CloudEvent in the outbox, once: its
receipt (the replay guard, keyed by the status's identity: Meta's message id, status, time and recipient;
MSG91's request id, number, status and time; SendGrid's `sg_event_id`) is written in the same transaction,
so a replayed body, or one status in two bodies, is stored once. An audit row per request says what it
brought. Words that are not delivery statuses (Meta's `deleted`, SendGrid's `deferred`) are counted, not
stored; an opt-out keyword in an inbound WhatsApp message goes to `opt_out_intake`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from sqlalchemy.exc import IntegrityError

from booking.domain.clock import Clock
from booking.domain.errors import BadRequest, Forbidden, Unauthorized
from booking.domain.message_status import STATUS_EVENT_PREFIX, MessageStatus
from booking.infra import receipts
from booking.infra.db import Database
from booking.integrations import meta_webhook, msg91_dlr, sendgrid_events, signatures
from booking.integrations.message_statuses import Parsed, PayloadError
from booking.services import opt_out_intake
from booking.services.context import Ctx
from booking.settings import BookingConfig, TenantConfig, messaging_secrets

Provider = Literal["meta", "msg91", "sendgrid"]


class Parts(Protocol):
    config: BookingConfig
    db: Database
    clock: Clock


@dataclass(frozen=True, slots=True)
class StatusIntake:
    """What a delivery webhook brought: statuses stored now, statuses stored before (replays), words that are
    not delivery statuses, opt-out keywords."""

    stored: int
    duplicates: int
    ignored: int
    opt_outs: int


def _owners(config: BookingConfig, source: str) -> dict[str, TenantConfig]:
    return {secret: t for t in config.tenants for secret in messaging_secrets(t, source)}


def _subject(status: MessageStatus) -> str:
    """The event's subject: the provider's message id (the outbound message id is not known here; the
    marts join on provider and provider message id), hashed when longer than the outbox's 64 characters."""
    pid = status.provider_message_id
    return pid if len(pid) <= 64 else f"{status.provider}:" + hashlib.sha256(pid.encode()).hexdigest()[:48]


def _store(
    service: Parts, tenant: TenantConfig, provider: Provider, parsed: Parsed, body: bytes
) -> StatusIntake:
    assert tenant.message_webhooks is not None
    branch_id, source = tenant.message_webhooks.branch_id, f"msg_{provider}"

    def write() -> StatusIntake:
        now = service.clock.now()
        stored = duplicates = 0
        with service.db.write() as s:
            ctx = Ctx(s, tenant, f"webhook:{provider}", now)
            for key, status in parsed.statuses:
                if receipts.is_replay(s, tenant.tenant_id, source, key):
                    duplicates += 1
                    continue
                event_type = STATUS_EVENT_PREFIX + status.status
                ctx.emit(event_type, branch_id=branch_id, subject=_subject(status), data=status.model_dump())
                receipts.record_receipt(s, source=source, event_id=key, tenant_id=tenant.tenant_id,
                                        event_type=event_type, outcome="stored", at=now)  # fmt: skip
                stored += 1
            for request in parsed.opt_outs:
                key = f"optout:{request.provider_message_id}"[:128]
                if not receipts.is_replay(s, tenant.tenant_id, source, key):
                    outcome = opt_out_intake.received(ctx, request)
                    receipts.record_receipt(s, source=source, event_id=key, tenant_id=tenant.tenant_id,
                                            event_type="message.opt_out", outcome=outcome, at=now)  # fmt: skip
            ctx.audit(
                "message.status.received",
                "webhook",
                hashlib.sha256(body).hexdigest()[:64],
                after={"provider": provider, "stored": stored, "duplicates": duplicates,
                       "ignored": sorted(set(parsed.ignored)), "opt_outs": len(parsed.opt_outs)},
            )  # fmt: skip
        return StatusIntake(stored, duplicates, len(parsed.ignored), len(parsed.opt_outs))

    try:
        return write()
    except IntegrityError:  # a concurrent replay stored some of these first: the second pass sees them
        return write()


def _parsed(parse: Callable[[], Parsed]) -> Parsed:
    try:
        return parse()
    except PayloadError as exc:
        raise BadRequest(str(exc)) from None


def meta_challenge(service: Parts, mode: str | None, token: str | None, challenge: str | None) -> str:
    """Meta's subscription handshake: the challenge back when the verify token is a tenant's."""
    if mode != "subscribe" or not challenge:
        raise BadRequest("expected hub.mode=subscribe with a hub.challenge")
    known = _owners(service.config, "meta_verify_token")
    if not token or not any(hmac.compare_digest(token.encode(), k.encode()) for k in known):
        raise Forbidden("the hub.verify_token is not this service's")
    return challenge


def meta_statuses(service: Parts, host: str | None, body: bytes, signature: str | None) -> StatusIntake:
    owners = _owners(service.config, "meta")
    tenant = owners[signatures.matching_meta_secret(owners, signature, body)]
    assert tenant.message_webhooks is not None and tenant.message_webhooks.meta is not None
    if not tenant.message_webhooks.meta.allows(host):
        raise Forbidden("this source address may not send WhatsApp webhooks")
    return _store(service, tenant, "meta", _parsed(lambda: meta_webhook.parse(body)), body)


def msg91_reports(
    service: Parts, host: str | None, body: bytes, content_type: str, token: str | None
) -> StatusIntake:
    owners = _owners(service.config, "msg91")
    matched = [
        t for secret, t in owners.items() if token and hmac.compare_digest(secret.encode(), token.encode())
    ]
    if not matched:
        raise Unauthorized("the webhook URL's token is missing or not a tenant's MSG91 token")
    tenant = matched[0]
    assert tenant.message_webhooks is not None and tenant.message_webhooks.msg91 is not None
    if not tenant.message_webhooks.msg91.allows(host):
        raise Forbidden("this source address may not send MSG91 delivery reports")
    return _store(service, tenant, "msg91", _parsed(lambda: msg91_dlr.parse(body, content_type)), body)


def sendgrid_events_in(
    service: Parts, host: str | None, body: bytes, signature: str | None, timestamp: str | None
) -> StatusIntake:
    owners = _owners(service.config, "sendgrid")
    key = signatures.verify_sendgrid(
        owners, signature, timestamp, body, tolerance_s=service.config.webhook_tolerance_seconds,
        clock=service.clock,
    )  # fmt: skip
    tenant = owners[key]
    assert tenant.message_webhooks is not None and tenant.message_webhooks.sendgrid is not None
    if not tenant.message_webhooks.sendgrid.allows(host):
        raise Forbidden("this source address may not send SendGrid events")
    return _store(service, tenant, "sendgrid", _parsed(lambda: sendgrid_events.parse(body)), body)
