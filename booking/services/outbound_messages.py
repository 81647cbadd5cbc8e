"""Sending patient messages: the worker's `messages` job, and opt-outs (dead letters:
booking.services.message_dead_letters).

A run takes the messages that are due (queued, deferred or retrying, `next_attempt_at` passed), oldest first.
For each, in one transaction: an opted-out patient's message is `suppressed`; a reminder whose booking moved,
ended or was cancelled is `superseded`; a reminder inside the tenant's quiet hours is `deferred` to their
end; otherwise it is leased (the next attempt time moves past the run) and sent through its channel's
provider (booking.integrations: WhatsApp Cloud API, MSG91, SMTP) with the partner webhooks' retry rules
(booking.domain.delivery_policy: tenacity, exponential backoff with full jitter, never sooner than a
Retry-After, `attempts_per_run` per run, `max_attempts` in all). The outcome is then recorded: `sent` with
the provider's id (never sent again), `retrying` with the next attempt time, or `dead_lettered` at once on a
permanent error (invalid number, template rejected) or after `max_attempts`, with its row in
`message_dead_letters` written in the same transaction. WhatsApp's opt-out error
records the opt-out and suppresses the message. Every step writes its `message.*` event in the same
transaction; no line logged or written carries a phone number or an address.

Run one worker per database (as for partner webhooks): the lease keeps a replay and a run apart, not two
workers. If the process dies after the provider accepted a message and before the outcome is committed, the
message is sent again when its lease ends (at least once in that window; the provider id tells them apart).
"""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.domain import messaging as rules
from booking.domain.clock import rfc3339
from booking.domain.delivery_policy import in_run_retrying, lease_seconds, next_attempt_delay
from booking.domain.messaging import Accepted, SendError
from booking.infra import outbox
from booking.infra.db import Database
from booking.infra.models import Booking, Message, MessageDeadLetter, MessageOptOut, Patient
from booking.integrations.msg91_sms import send_sms
from booking.integrations.smtp_email import send_email
from booking.integrations.whatsapp_cloud import send_template
from booking.services.message_queue import emit_message_event
from booking.services.partner_delivery import Transport
from booking.settings import BookingConfig, ConfigError, PartnerDeliveryPolicy, TenantConfig

LIVE_BOOKING = ("pending_payment", "confirmed")


def check_messaging(config: BookingConfig) -> None:
    """Every messaging tenant's templates load and cover its channels (one ConfigError line otherwise)."""
    for tenant in config.tenants:
        if tenant.messaging is None:
            continue
        where = f"tenant {tenant.tenant_id} messaging"
        templates = rules.load_templates(tenant.messaging.templates_file)
        templates.check_channels(list(tenant.messaging.channels), where)
        if tenant.messaging.default_language not in templates.languages:
            raise ConfigError(
                f"{where}: default_language {tenant.messaging.default_language} has no templates"
            )


@dataclass
class Tried:
    """One message's run: the failures in order, and the provider's acceptance if it came."""

    failures: list[SendError] = field(default_factory=list)
    accepted: Accepted | None = None


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    dead_lettered: int = 0
    suppressed: int = 0
    deferred: int = 0
    superseded: int = 0

    def summary(self) -> str:
        return ", ".join(f"{v} {k.replace('_', '-')}" for k, v in vars(self).items())


def _send_once(transport: Transport, tenant: TenantConfig, m: Any, timeout: float) -> Accepted:
    """One attempt through the message's provider."""
    assert tenant.messaging is not None
    template = rules.load_templates(tenant.messaging.templates_file).get(m.purpose, m.language)
    values = json.loads(m.variables)
    now = transport.clock.now()
    if m.channel == "whatsapp":
        cfg = tenant.messaging.whatsapp
        assert cfg is not None
        return send_template(
            transport.client, cfg, to=m.recipient, name=m.template, language=m.language,
            parameters=template.parameters(values), now=now,
        )  # fmt: skip
    if m.channel == "sms":
        cfg_sms = tenant.messaging.msg91
        assert cfg_sms is not None
        return send_sms(
            transport.client, cfg_sms, to=m.recipient, template_id=m.template,
            parameters=template.parameters(values), text=template.render(values), now=now,
        )  # fmt: skip
    cfg_mail = tenant.messaging.smtp
    assert cfg_mail is not None and template.email is not None
    return send_email(
        cfg_mail, to=m.recipient, subject=template.email.subject, text=template.render(values),
        message_id=m.message_id, timeout=timeout,
    )  # fmt: skip


def attempt_message(
    transport: Transport, policy: PartnerDeliveryPolicy, tenant: TenantConfig, m: Any, attempts_so_far: int
) -> Tried:
    tried = Tried()

    def once() -> Accepted:
        try:
            return _send_once(transport, tenant, m, policy.timeout_seconds)
        except SendError as exc:
            tried.failures.append(exc)
            raise

    retrying = in_run_retrying(
        policy,
        attempts_so_far=attempts_so_far,
        transient=lambda exc: isinstance(exc, SendError) and exc.retryable,
        sleep=transport.sleep,
    )
    with suppress(SendError):  # the failures are in `tried`
        tried.accepted = retrying(once)
    return tried


def is_opted_out(s: Session, m: Message) -> bool:
    return s.get(MessageOptOut, (m.tenant_id, m.patient_id, m.channel)) is not None


def _reminder_stale(s: Session, m: Message) -> bool:
    if m.purpose not in rules.REMINDERS or m.booking_id is None:
        return False
    booking = s.get(Booking, m.booking_id)
    return (
        booking is None
        or booking.status not in LIVE_BOOKING
        or booking.slot_start - rules.REMINDER_LEAD[m.purpose] != m.scheduled_for
    )


def suppress_opted_out(s: Session, m: Message, now: datetime) -> None:
    m.state = "suppressed"
    m.updated_at = now
    emit_message_event(s, m, "message.suppressed", now, {"reason": "opted_out"})


def _claim(db: Database, config: BookingConfig, message_id: str, now: datetime, report: SendReport) -> Any:
    """Decide, in one transaction, what happens to a due message; the message to send (leased), or None."""
    with db.write() as s:
        m = s.get(Message, message_id, with_for_update=True)
        if m is None or m.state not in rules.PENDING_STATES or m.next_attempt_at > now:
            return None  # another run or a replay took it
        tenant = config.tenant(m.tenant_id)
        if tenant is None or tenant.messaging is None or m.channel not in tenant.messaging.channels:
            return None  # the tenant stopped sending on this channel: the message waits
        if is_opted_out(s, m):
            suppress_opted_out(s, m, now)
            report.suppressed += 1
            return None
        if _reminder_stale(s, m):
            m.state, m.updated_at = "superseded", now
            report.superseded += 1
            return None
        quiet = rules.quiet_until(tenant.messaging.quiet_hours, now) if m.purpose in rules.REMINDERS else None
        if quiet is not None:
            m.state, m.next_attempt_at, m.updated_at = "deferred", quiet, now
            emit_message_event(
                s, m, "message.deferred", now, {"reason": "quiet_hours", "deferred_until": rfc3339(quiet)}
            )
            report.deferred += 1
            return None
        m.next_attempt_at = now + timedelta(seconds=lease_seconds(config.message_delivery))
        m.updated_at = now
        s.flush()
        s.expunge(m)
        return m


def record_opt_out(
    s: Session, *, tenant_id: str, patient_id: str, branch_id: str, channel: str, keyword: str, at: datetime
) -> bool:
    """Record that a patient stopped messages on a channel (once; `message.opted_out`). False: already."""
    if s.get(MessageOptOut, (tenant_id, patient_id, channel)) is not None:
        return False
    s.add(
        MessageOptOut(
            tenant_id=tenant_id, patient_id=patient_id, channel=channel, keyword=keyword, received_at=at
        )
    )
    outbox.emit(
        s, tenant_id=tenant_id, branch_id=branch_id, event_type="message.opted_out", subject=patient_id,
        data={"patient_id": patient_id, "channel": channel, "keyword": keyword, "received_at": rfc3339(at)},
        at=at,
    )  # fmt: skip
    return True


def record_outcome(
    db: Database,
    policy: PartnerDeliveryPolicy,
    message_id: str,
    tried: Tried,
    now: datetime,
    *,
    replay_of: int | None = None,
) -> str:
    """Persist one message's run: sent, retrying (next attempt scheduled), suppressed or dead-lettered. A
    replay's run (`replay_of`: the dead letter replayed) also gives that dead letter its outcome."""
    with db.write() as s:
        m = s.get(Message, message_id, with_for_update=True)
        assert m is not None
        outcome = _record(s, policy, m, tried, now)
        if replay_of is not None:
            dead = s.get(MessageDeadLetter, replay_of, with_for_update=True)
            assert dead is not None
            dead.replay_outcome = outcome
        return outcome


def _dead_letter(s: Session, m: Message, last: SendError, now: datetime) -> None:
    """Mark the message dead-lettered and write its dead letter, in the caller's transaction."""
    reason = "permanent" if not last.retryable else "exhausted"
    m.state = "dead_lettered"
    m.dead_lettered_at = now
    m.replayed_at = None
    s.add(
        MessageDeadLetter(
            message_id=m.message_id, tenant_id=m.tenant_id, channel=m.channel, provider=m.provider,
            attempts=m.attempts, last_status_code=last.status_code, last_error_code=last.error_code[:64],
            last_error=last.reason, reason=reason, dead_at=now,
        )
    )  # fmt: skip
    emit_message_event(s, m, "message.dead_lettered", now, {
        "attempts": m.attempts,
        "error_code": last.error_code,
        "reason": "permanent error" if reason == "permanent" else f"no success after {m.attempts} attempts",
    })  # fmt: skip


def _record(s: Session, policy: PartnerDeliveryPolicy, m: Message, tried: Tried, now: datetime) -> str:
    if m.provider_message_id is not None:
        return "sent"  # recorded already: keep the first record
    for failure in tried.failures:
        m.attempts += 1
        emit_message_event(s, m, "message.attempt_failed", now, {
            "attempt": m.attempts,
            "error_code": failure.error_code,
            "retryable": failure.retryable,
            "retry_after_seconds": None if failure.retry_after is None else int(failure.retry_after),
        })  # fmt: skip
    m.updated_at = now
    if tried.accepted is not None:
        m.attempts += 1
        m.state = "sent"
        m.provider_message_id = tried.accepted.provider_message_id
        m.segments = tried.accepted.segments
        m.sent_at = now
        emit_message_event(s, m, "message.sent", now, {
            "provider": m.provider,
            "provider_message_id": m.provider_message_id,
            "attempt": m.attempts,
            "sent_at": rfc3339(now),
            "segments": m.segments,
        })  # fmt: skip
        return "sent"
    last = tried.failures[-1]
    m.last_error_code, m.last_error = last.error_code[:64], last.reason
    if last.opted_out:
        record_opt_out(
            s, tenant_id=m.tenant_id, patient_id=m.patient_id, branch_id=m.branch_id, channel=m.channel,
            keyword="whatsapp_opt_out", at=now,
        )  # fmt: skip
        suppress_opted_out(s, m, now)
        return "suppressed"
    if not last.retryable or m.attempts >= policy.max_attempts:
        _dead_letter(s, m, last, now)
        return "dead_lettered"
    m.state = "retrying"
    m.next_attempt_at = now + timedelta(seconds=next_attempt_delay(policy, m.attempts, last.retry_after))
    return "retrying"


def _due(db: Database, now: datetime, limit: int) -> list[str]:
    with db.read() as s:
        return list(
            s.scalars(
                select(Message.message_id)
                .where(Message.state.in_(rules.PENDING_STATES), Message.next_attempt_at <= now)
                .order_by(Message.next_attempt_at, Message.message_id)
                .limit(limit)
            )
        )


def send_claimed(
    db: Database, config: BookingConfig, transport: Transport, m: Any, *, replay_of: int | None = None
) -> str:
    """Send a leased message (a run's claim, or a replay's) and record the outcome."""
    tenant = config.tenant(m.tenant_id)
    assert tenant is not None
    tried = attempt_message(transport, config.message_delivery, tenant, m, m.attempts)
    return record_outcome(
        db, config.message_delivery, m.message_id, tried, transport.clock.now(), replay_of=replay_of
    )


def send_due_messages(
    db: Database, config: BookingConfig, transport: Transport, *, limit: int = 500
) -> SendReport:
    """One run of the worker's `messages` job."""
    report = SendReport()
    for message_id in _due(db, transport.clock.now(), limit):
        m = _claim(db, config, message_id, transport.clock.now(), report)
        if m is None:
            continue
        outcome = send_claimed(db, config, transport, m)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def opt_out_patient(
    db: Database, *, tenant_id: str, phone: str, channel: str, keyword: str, at: datetime
) -> tuple[str, bool]:
    """Record a patient's opt-out by phone number (the front desk, `mymedic messages opt-out`); (patient id,
    new?)."""
    with db.write() as s:
        return opt_out_by_phone(s, tenant_id=tenant_id, phone=phone, channel=channel, keyword=keyword, at=at)


def opt_out_by_phone(
    s: Session,
    *,
    tenant_id: str,
    phone: str,
    channel: str,
    keyword: str,
    at: datetime,
    branch_id: str | None = None,
) -> tuple[str, bool]:
    """Record the opt-out of the tenant's patient with this number (as stored, or as a provider writes it:
    without the `+`); (patient id, new?). The event's branch: the patient's latest booking's, else
    `branch_id`. LookupError (the number masked) when no patient has the number."""
    numbers = {phone, "+" + phone.lstrip("+")}
    patient = s.scalar(select(Patient).where(Patient.tenant_id == tenant_id, Patient.phone.in_(numbers)))
    if patient is None:
        raise LookupError(f"no patient of tenant {tenant_id} has phone {rules.mask_phone(phone)}")
    branch = (
        s.scalar(
            select(Booking.branch_id)
            .where(Booking.patient_id == patient.patient_id)
            .order_by(Booking.created_at.desc())
            .limit(1)
        )
        or branch_id
    )
    if branch is None:
        raise LookupError(f"patient {patient.patient_id} has no booking to say which branch")
    return patient.patient_id, record_opt_out(
        s, tenant_id=tenant_id, patient_id=patient.patient_id, branch_id=branch, channel=channel,
        keyword=keyword, at=at,
    )  # fmt: skip
