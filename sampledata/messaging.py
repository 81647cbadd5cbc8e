"""The sample's patient messaging (docs/messaging-sample.md): what the booking service sends about each
booking (its `message.*` lifecycle events, into the same events NDJSON) and what the providers answer
(their delivery logs, sampledata/messaging_wire.py), with injected anomalies.

It watches the booking events as they are written (`EventSink.on_emit`) and draws from its own random
stream, so with messaging off every file is byte-identical. Messages are simulated in the order they are
queued; each IST day's are done before that day's events file is written (`advance`).
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from datetime import datetime

from booking.domain.messaging import CHANNELS
from booking.domain.recipients import mask_email, mask_phone

from . import anomalies as an
from .clock import DAY_MS, DAY_S, HOUR_MS, IST_OFFSET_S, MINUTE_MS, ist_day_of_ms, ist_midnight_ms, rfc3339_ms
from .events import EventSink
from .messaging_wire import ProviderIds, StatusRecord, WhatsAppSender
from .model import FIRST_NAMES, LAST_NAMES, Chain, IdFactory

# the contract's vocabulary is booking/domain/messaging.py's (CHANNELS: whatsapp, sms, email)
SEND_PROVIDER = {"whatsapp": "meta", "sms": "msg91", "email": "smtp"}
STATUS_PROVIDER = {"whatsapp": "meta", "sms": "msg91", "email": "sendgrid"}
LANGUAGES = ("en", "hi", "ta")
TEMPLATES = {
    "booking_confirmation": "appointment_confirmed",
    "reschedule_notice": "appointment_rescheduled",
    "cancellation_notice": "appointment_cancelled",
    "reminder_24h": "appointment_reminder_24h",
    "reminder_2h": "appointment_reminder_2h",
    "tele_link": "teleconsult_join_link",
    "refund_notice": "refund_issued",
}
REMINDERS = ("reminder_24h", "reminder_2h")
# characters of each template's text in English once filled in; Hindi and Tamil are UCS-2 SMS
TEMPLATE_CHARS = {
    "booking_confirmation": 148, "reschedule_notice": 158, "cancellation_notice": 126, "reminder_24h": 132,
    "reminder_2h": 118, "tele_link": 171, "refund_notice": 141,
}  # fmt: skip
LANGUAGE_CHARS_PCT = {"en": 100, "hi": 92, "ta": 104}
CHANNEL_WEIGHTS = (62, 23, 15)
LANGUAGE_WEIGHTS = (55, 30, 15)
QUIET_FROM_S, QUIET_UNTIL_S = 21 * 3600, 8 * 3600  # IST wall clock: no reminders 21:00-08:00
CATEGORY = "utility"  # every template here is a utility template (Meta's pricing category)
UNREACHABLE_IF_NO_SHOW = 0.40  # reminders of a booking the patient then missed often never arrived
UNREACHABLE_OTHERWISE = 0.05
READ_SHARE = {"whatsapp": 0.75, "email": 0.5}
READ_WITHOUT_DELIVERED = 0.04  # Meta sends no `delivered` when a message is read on arrival
MAX_ATTEMPTS = 5

# anomaly kinds (ground_truth.json `messaging.anomalies`)
INVALID_NUMBER = "message_invalid_number"
TEMPLATE_REJECTED = "message_template_rejected"
RATE_LIMITED = "message_rate_limited"
RETRIES_EXHAUSTED = "message_retries_exhausted"
OUT_OF_ORDER = "message_status_out_of_order"
DUPLICATE_STATUS = "message_duplicate_status"
OPTED_OUT = "message_opted_out"
QUIET_HOURS = "message_quiet_hours_deferred"
INJECTED = (INVALID_NUMBER, TEMPLATE_REJECTED, RATE_LIMITED, RETRIES_EXHAUSTED, OUT_OF_ORDER, DUPLICATE_STATUS,
            OPTED_OUT)  # fmt: skip
KINDS = (*INJECTED, QUIET_HOURS)
# which channels each injected kind can hit, taken in turn
KIND_CHANNELS = {
    INVALID_NUMBER: ("whatsapp", "sms"),
    TEMPLATE_REJECTED: ("whatsapp",),
    RATE_LIMITED: ("whatsapp", "sms"),
    RETRIES_EXHAUSTED: ("sms",),
    OUT_OF_ORDER: ("whatsapp",),
    DUPLICATE_STATUS: ("whatsapp", "sms", "email"),
    OPTED_OUT: ("sms", "whatsapp"),
}


def sms_segments(chars: int, unicode: bool) -> int:
    single, part = (70, 67) if unicode else (160, 153)
    return 1 if chars <= single else -(-chars // part)


def _ist_seconds_of_day(ms: int) -> int:
    return (ms // 1000 + IST_OFFSET_S) % DAY_S


def in_quiet_hours(ms: int) -> bool:
    s = _ist_seconds_of_day(ms)
    return s >= QUIET_FROM_S or s < QUIET_UNTIL_S


def quiet_hours_end(ms: int) -> int:
    """08:00 IST after `ms` (which is in quiet hours)."""
    day = ist_day_of_ms(ms)
    if _ist_seconds_of_day(ms) >= QUIET_FROM_S:
        day += 1
    return ist_midnight_ms(day) + QUIET_UNTIL_S * 1000


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str  # E.164
    email: str
    channel: str
    language: str


@dataclass(slots=True)
class BookingLife:
    """What the booking events said about one booking."""

    booking_id: str
    patient_id: str
    branch_id: str
    booked_ms: int
    slot_ms: int
    tele: bool
    reschedules: list[tuple[int, int]] = field(default_factory=list)  # (at, new slot)
    cancelled_ms: int | None = None
    refunds_ms: list[int] = field(default_factory=list)
    outcome: str = ""  # completed | no_show | '' (cancelled, or not yet known)
    unreachable: bool = False
    reminders_due: list[int] = field(default_factory=list)

    def final_slot(self) -> int:
        return self.reschedules[-1][1] if self.reschedules else self.slot_ms


@dataclass(slots=True)
class Message:
    message_id: str
    life: BookingLife
    purpose: str
    channel: str
    language: str
    queued_ms: int
    recipient: str
    sent_ms: int | None = None
    provider_message_id: str = ""
    segments: int | None = None
    attempts: int = 0
    error_code: str | None = None
    dead_lettered_ms: int | None = None
    suppressed: bool = False
    deferred: bool = False
    statuses: list[StatusRecord] = field(default_factory=list)

    @property
    def provider(self) -> str:
        return SEND_PROVIDER[self.channel]

    @property
    def template(self) -> str:
        return TEMPLATES[self.purpose]


@dataclass(order=True, slots=True)
class _Trigger:
    at_ms: int
    seq: int
    purpose: str = field(compare=False)
    life: BookingLife = field(compare=False)


class MessagingSimulator:
    """Plans and sends every booking's messages; keeps their provider statuses for the logs and the truth."""

    def __init__(
        self, seed: int, chain: Chain, sink: EventSink, first_day: int, last_day: int, volume: int
    ) -> None:
        self.rng = rng = random.Random(
            f"messaging:{seed}"
        )  # its own stream: the other files' draws are untouched
        self._seed = seed
        self.ids = IdFactory(rng)
        self.pids = ProviderIds(rng, chain.tenant_id)
        self.sink = sink
        self.horizon_ms = ist_midnight_ms(last_day + 1) - 1
        self._done_through = ist_midnight_ms(first_day) - 1  # messages queued up to here are simulated
        self._lives: dict[str, BookingLife] = {}
        self._new: list[BookingLife] = []
        self._triggers: list[_Trigger] = []
        self._seq = 0
        self._contacts: dict[str, Contact] = {}
        self._opt_outs: dict[tuple[str, str], int] = {}  # (patient, channel) -> received at
        self._invalid: dict[tuple[str, str], an.Anomaly] = {}  # (patient, channel) -> its anomaly
        self._opt_out_anomaly: dict[tuple[str, str], an.Anomaly] = {}
        self._conversations: dict[
            str, tuple[str, int, int]
        ] = {}  # patient -> (id, opened at s, expires at s)
        self.messages: list[Message] = []
        self.records: dict[str, list[StatusRecord]] = {"meta": [], "msg91": [], "sendgrid": []}
        self.opt_outs: list[dict] = []
        self.anomalies: list[an.Anomaly] = []
        self.dlt_ids = {
            (t, lang): self.pids.dlt_template_id() for t in TEMPLATES.values() for lang in LANGUAGES
        }
        waba = str(rng.randrange(10**14, 10**15))
        self.senders = {
            b.branch_id: WhatsAppSender(
                waba, f"9180{rng.randrange(10**8):08d}", str(rng.randrange(10**14, 10**15))
            )
            for b in chain.branches
        }
        self._targets = self._draw_targets(
            first_day, last_day, an.anomaly_count(len(chain.branches) * volume)
        )
        self._turn = {kind: 0 for kind in INJECTED}

    # -- watching the booking events --------------------------------------------------------------
    def observe(self, at_ms: int, event_type: str, branch_id: str, subject: str, data: dict) -> None:
        if event_type == "appointment.booked":
            life = BookingLife(
                subject,
                data["patient_id"],
                branch_id,
                at_ms,
                _utc_ms(data["slot_start"]),
                data["visit_type"] == "tele",
            )
            self._lives[subject] = life
            self._new.append(life)
            return
        life = self._lives.get(subject)
        if life is None:
            return
        if event_type == "appointment.rescheduled":
            life.reschedules.append((at_ms, _utc_ms(data["new_slot_start"])))
        elif event_type == "appointment.cancelled":
            life.cancelled_ms = at_ms
        elif event_type == "payment.refund.issued":
            life.refunds_ms.append(at_ms)
        elif event_type in ("appointment.completed", "appointment.no_show"):
            life.outcome = event_type.removeprefix("appointment.")

    def lives(self) -> list[BookingLife]:
        return list(self._lives.values())

    # -- planning -----------------------------------------------------------------------------------
    def _draw_targets(self, first_day: int, last_day: int, count: int) -> dict[str, list[int]]:
        """Each injected anomaly goes to the first eligible message queued after its target time."""
        lo = ist_midnight_ms(first_day) + 8 * HOUR_MS
        hi = max(lo, ist_midnight_ms(last_day) - DAY_MS)
        return {kind: sorted(self.rng.randrange(lo, hi + 1) for _ in range(count)) for kind in INJECTED}

    def _push(self, at_ms: int, purpose: str, life: BookingLife) -> None:
        self._seq += 1
        heapq.heappush(self._triggers, _Trigger(at_ms, self._seq, purpose, life))

    def _plan(self, life: BookingLife) -> None:
        rng = self.rng
        life.unreachable = rng.random() < (
            UNREACHABLE_IF_NO_SHOW if life.outcome == "no_show" else UNREACHABLE_OTHERWISE
        )
        self._push(life.booked_ms + rng.randrange(1500, 15_000), "booking_confirmation", life)
        for at, _ in life.reschedules:
            self._push(at + rng.randrange(1500, 15_000), "reschedule_notice", life)
        if life.cancelled_ms is not None:
            self._push(life.cancelled_ms + rng.randrange(1500, 15_000), "cancellation_notice", life)
        for at in life.refunds_ms:
            self._push(at + rng.randrange(1500, 15_000), "refund_notice", life)
        # reminders of the slot that holds at the time they are due, never after a cancellation
        starts = [life.booked_ms, *(at for at, _ in life.reschedules)]
        slots = [life.slot_ms, *(slot for _, slot in life.reschedules)]
        ends = [*starts[1:], life.cancelled_ms if life.cancelled_ms is not None else 1 << 62]
        offsets = [("reminder_24h", 24 * HOUR_MS), ("reminder_2h", 2 * HOUR_MS)]
        if life.tele:
            offsets.append(("tele_link", 15 * MINUTE_MS))
        for start, slot, end in zip(starts, slots, ends, strict=True):
            for purpose, before in offsets:
                due = slot - before
                if start + 5 * MINUTE_MS <= due < end:
                    self._push(due, purpose, life)
                    if purpose in REMINDERS:
                        life.reminders_due.append(due)

    def advance(self, day: int) -> None:
        """Simulate every message queued up to the end of IST `day` (before that day's events are written)."""
        for life in self._new:
            self._plan(life)
        self._new.clear()
        end = min(ist_midnight_ms(day + 1) - 1, self.horizon_ms)
        while self._triggers and self._triggers[0].at_ms <= end:
            t = heapq.heappop(self._triggers)
            self._send(t.at_ms, t.purpose, t.life)
        self._done_through = end

    # -- one message ----------------------------------------------------------------------------------
    def contact(self, patient_id: str) -> Contact:
        c = self._contacts.get(patient_id)
        if c is None:
            r = random.Random(f"messaging:{self._seed}:{patient_id}")
            first, last = r.choice(FIRST_NAMES).lower(), r.choice(LAST_NAMES).lower()
            c = self._contacts[patient_id] = Contact(
                phone=f"+91{r.choice('6789')}{r.randrange(10**9):09d}",
                email=f"{first}.{last}{r.randrange(10, 100)}@{r.choice(('example.com', 'example.in', 'example.org'))}",
                channel=r.choices(CHANNELS, CHANNEL_WEIGHTS)[0],
                language=r.choices(LANGUAGES, LANGUAGE_WEIGHTS)[0],
            )
        return c

    def _emit(self, at_ms: int, event_type: str, branch_id: str, subject: str, data: dict) -> bool:
        """Into the events file of its day, unless it falls after the period."""
        if at_ms > self.horizon_ms:
            return False
        if at_ms <= self._done_through:
            raise RuntimeError(
                f"generator bug: {event_type} at {rfc3339_ms(at_ms)} is in a day already written"
            )
        self.sink.emit(at_ms, event_type, branch_id, subject, data, event_id=self.ids.event_id())
        return True

    def _msg_event(self, at_ms: int, m: Message, suffix: str, data: dict) -> bool:
        return self._emit(
            at_ms,
            f"message.{suffix}",
            m.life.branch_id,
            m.message_id,
            {"message_id": m.message_id, **data},
        )

    def _take(self, kind: str, q: int, channel: str, ok: bool = True) -> an.Anomaly | None:
        """The anomaly of `kind` due at `q` if this message may carry it, in its channel's turn."""
        targets = self._targets[kind]
        channels = KIND_CHANNELS[kind]
        if not ok or not targets or targets[0] > q or channels[self._turn[kind] % len(channels)] != channel:
            return None
        targets.pop(0)
        self._turn[kind] += 1
        anomaly = an.Anomaly(kind, "message", [], "")
        self.anomalies.append(anomaly)
        return anomaly

    def _send(self, q: int, purpose: str, life: BookingLife) -> None:
        rng = self.rng
        c = self.contact(life.patient_id)
        channel = c.channel
        m = Message(
            self.ids.razorpay("msg_"),
            life,
            purpose,
            channel,
            c.language,
            q,
            c.email if channel == "email" else c.phone,
        )
        self.messages.append(m)
        self._msg_event(
            q,
            m,
            "queued",
            {
                "booking_id": life.booking_id,
                "patient_id": life.patient_id,
                "branch_id": life.branch_id,
                "channel": channel,
                "provider": m.provider,
                "template": m.template,
                "language": m.language,
                "purpose": purpose,
                "recipient_masked": mask_email(c.email) if channel == "email" else mask_phone(c.phone),
                "scheduled_for": rfc3339_ms(q),
            },
        )
        t = q + rng.randrange(20, 400)
        opted_at = self._opt_outs.get((life.patient_id, channel))
        if opted_at is not None and opted_at <= q:
            m.suppressed = True
            self._msg_event(t, m, "suppressed", {"reason": "opted_out"})
            self._opt_out_anomaly[life.patient_id, channel].entity_ids.append(m.message_id)
            return
        if purpose in REMINDERS and in_quiet_hours(q):
            until = quiet_hours_end(q)
            m.deferred = True
            self._msg_event(t, m, "deferred", {"reason": "quiet_hours", "deferred_until": rfc3339_ms(until)})
            self.anomalies.append(
                an.Anomaly(
                    QUIET_HOURS, "message", [m.message_id],
                    f"{purpose} for booking {life.booking_id} due at {_ist_hm(q)} IST is held until 08:00 IST",
                )
            )  # fmt: skip
            t = until + rng.randrange(0, 90_000)
        else:
            t += rng.randrange(300, 2500)
        self._deliver(m, t)

    def _deliver(self, m: Message, t: int) -> None:
        """Attempts from `t`, then what the provider reports."""
        rng, q, channel, life = self.rng, m.queued_ms, m.channel, m.life
        key = (life.patient_id, channel)
        invalid = self._invalid.get(key)
        if invalid is None and channel != "email":
            invalid = self._take(INVALID_NUMBER, q, channel)
            if invalid is not None:
                self._invalid[key] = invalid
                invalid.detail = (
                    f"patient {life.patient_id}'s {channel} number is not valid: every {channel} message to it "
                    f"fails ({'Meta 131026' if channel == 'whatsapp' else 'MSG91 16 REJECTED'})"
                )
        if invalid is not None:
            invalid.entity_ids.append(m.message_id)
            self._attempt_ok(m, t, 1)
            if channel == "whatsapp":
                err = (131026, "Message undeliverable", "Message Undeliverable.")
                self._status(m, "failed", "failed", m.sent_ms + rng.randrange(1000, 5000), error=err)
            else:
                self._status(
                    m,
                    "failed",
                    "REJECTED",
                    m.sent_ms + rng.randrange(1000, 5000),
                    failure_reason="Invalid Number",
                )
            return
        if (a := self._take(TEMPLATE_REJECTED, q, channel)) is not None:
            a.entity_ids.append(m.message_id)
            a.detail = (
                f"Meta rejected template {m.template} ({m.language}): 132001, not retried, dead-lettered"
            )
            self._attempt_failed(m, t, 1, "132001", retryable=False, retry_after=None)
            self._dead_letter(m, t + rng.randrange(5, 60), "132001", "template_rejected")
            return
        if (a := self._take(RETRIES_EXHAUSTED, q, channel)) is not None:
            a.entity_ids.append(m.message_id)
            a.detail = f"MSG91 answered 503 to all {MAX_ATTEMPTS} attempts, backing off exponentially"
            for attempt in range(1, MAX_ATTEMPTS + 1):
                self._attempt_failed(m, t, attempt, "503", retryable=True, retry_after=None)
                t += (2**attempt) * 1000 + rng.randrange(0, 1000)
            self._dead_letter(m, t, "503", "max_attempts")
            return
        attempt = 1
        if (a := self._take(RATE_LIMITED, q, channel)) is not None:
            a.entity_ids.append(m.message_id)
            wait = rng.choice((5, 30, 60))
            a.detail = f"{m.provider} answered 429 (Retry-After {wait}s) to the first attempt; the second was accepted"
            self._attempt_failed(m, t, 1, "429", retryable=True, retry_after=wait)
            t += wait * 1000 + rng.randrange(0, 800)
            attempt = 2
        self._attempt_ok(m, t, attempt)
        if m.sent_ms is None:
            return
        if channel in ("whatsapp", "sms") and m.purpose == "booking_confirmation":
            self._maybe_opt_out(m)
        reachable = not (life.unreachable and m.purpose in REMINDERS)
        forced = None
        if reachable:
            forced = self._take(OUT_OF_ORDER, q, channel) or self._take(DUPLICATE_STATUS, q, channel)
        if a is not None or forced is not None:
            reachable = True
        {"whatsapp": self._whatsapp, "sms": self._sms, "email": self._email}[channel](m, reachable, forced)
        for anomaly in (a, forced):
            if anomaly is not None and not anomaly.entity_ids:
                anomaly.entity_ids.append(m.message_id)

    def _maybe_opt_out(self, m: Message) -> None:
        """The patient answers STOP to a confirmation; the booking's later messages on that channel are held."""
        life = m.life
        received = m.sent_ms + self.rng.randrange(MINUTE_MS, 10 * MINUTE_MS)
        ok = any(received + 15 * MINUTE_MS < at <= self.horizon_ms for at in life.reminders_due)
        a = self._take(OPTED_OUT, m.queued_ms, m.channel, ok)
        if a is None:
            return
        a.detail = (
            f"patient {life.patient_id} sent STOP on {m.channel} after message {m.message_id}: later {m.channel} "
            "messages to them are suppressed"
        )
        self._opt_outs[(life.patient_id, m.channel)] = received
        self._opt_out_anomaly[life.patient_id, m.channel] = a
        data = {
            "patient_id": life.patient_id,
            "channel": m.channel,
            "keyword": "STOP",
            "received_at": rfc3339_ms(received),
        }
        self._emit(received, "message.opted_out", life.branch_id, life.patient_id, data)
        self.opt_outs.append(data)

    def _attempt_ok(self, m: Message, t: int, attempt: int) -> None:
        if t > self.horizon_ms:
            return
        m.attempts = attempt
        if m.channel == "whatsapp":
            pid = self.pids.wamid()
        elif m.channel == "sms":
            pid = self.pids.msg91_request_id()
            chars = TEMPLATE_CHARS[m.purpose] * LANGUAGE_CHARS_PCT[m.language] // 100
            m.segments = sms_segments(chars, m.language != "en")
        else:
            pid = self.pids.smtp_message_id(t)
        m.provider_message_id, m.sent_ms = pid, t
        self._msg_event(
            t,
            m,
            "sent",
            {
                "provider": m.provider,
                "provider_message_id": pid,
                "attempt": attempt,
                "sent_at": rfc3339_ms(t),
                "segments": m.segments,
            },
        )

    def _attempt_failed(
        self, m: Message, t: int, attempt: int, code: str, *, retryable: bool, retry_after: int | None
    ) -> None:
        data = {
            "attempt": attempt,
            "error_code": code,
            "retryable": retryable,
            "retry_after_seconds": retry_after,
        }
        if self._msg_event(t, m, "attempt_failed", data):
            m.attempts, m.error_code = attempt, code

    def _dead_letter(self, m: Message, t: int, code: str, reason: str) -> None:
        if self._msg_event(
            t, m, "dead_lettered", {"attempts": m.attempts, "error_code": code, "reason": reason}
        ):
            m.dead_lettered_ms = t

    # -- provider statuses ----------------------------------------------------------------------------
    def _status(
        self, m: Message, normalised: str, provider_status: str, at_ms: int, **fields: object
    ) -> StatusRecord | None:
        at_s = at_ms // 1000
        if at_ms > self.horizon_ms:
            return None
        provider = STATUS_PROVIDER[m.channel]
        if provider == "meta":
            fields["recipient_id"] = m.recipient.removeprefix("+")
        elif provider == "msg91":
            fields.update(
                tel_num=m.recipient.removeprefix("+"),
                requested_s=m.sent_ms // 1000,  # type: ignore[operator]
                credit=m.segments,
                sms_length=TEMPLATE_CHARS[m.purpose] * LANGUAGE_CHARS_PCT[m.language] // 100,
                dlt_template_id=self.dlt_ids[m.template, m.language],
            )
        else:
            fields.update(email=m.recipient, category=m.template, sg_event_id=self.pids.sg_event_id())
        fields["branch_id"] = m.life.branch_id
        self._seq += 1
        r = StatusRecord(
            provider, m.provider_message_id, normalised, provider_status, at_s, at_s, self._seq, dict(fields)
        )
        m.statuses.append(r)
        self.records[provider].append(r)
        return r

    def _duplicate(self, m: Message, r: StatusRecord | None, a: an.Anomaly) -> None:
        if r is None:
            return
        self._seq += 1
        again = StatusRecord(r.provider, r.provider_message_id, r.status, r.provider_status, r.at_s,
                             r.arrival_s + self.rng.randrange(60, 3 * 3600), self._seq, r.fields)  # fmt: skip
        m.statuses.append(again)
        self.records[r.provider].append(again)
        a.detail = (
            f"{r.provider} reported {m.message_id}'s `{r.provider_status}` twice ({r.provider_message_id}); "
            "it counts once"
        )

    def _whatsapp(self, m: Message, reachable: bool, forced: an.Anomaly | None) -> None:
        rng = self.rng
        sent_ms = m.sent_ms or 0
        at = sent_ms + rng.randrange(400, 3000)
        at_s = at // 1000
        conv = self._conversations.get(m.life.patient_id)
        if conv is None or not conv[1] <= at_s < conv[2]:
            conv = (self.pids.conversation_id(), at_s, (at_s + DAY_S) // 60 * 60 + 60)
            self._conversations[m.life.patient_id] = conv
        triple = (conv[0], conv[2], CATEGORY)
        self._status(m, "sent", "sent", at, conversation=triple)
        if not reachable:
            return
        delivered_at = at + rng.randrange(800, 90_000)
        read = forced is not None or rng.random() < READ_SHARE["whatsapp"]
        skip_delivered = forced is None and read and rng.random() < READ_WITHOUT_DELIVERED
        read_at = delivered_at + (rng.randrange(2_000, 6 * HOUR_MS) if not skip_delivered else 0)
        delivered = (
            None
            if skip_delivered
            else self._status(m, "delivered", "delivered", delivered_at, conversation=triple)
        )
        read_record = self._status(m, "read", "read", read_at, conversation=triple) if read else None
        if forced is None:
            return
        if forced.kind == OUT_OF_ORDER and delivered is not None and read_record is not None:
            delivered.arrival_s = read_record.arrival_s + rng.randrange(1, 120)
            forced.detail = (
                f"Meta's `read` of {m.message_id} ({m.provider_message_id}) arrives before its `delivered`"
            )
        elif forced.kind == DUPLICATE_STATUS:
            self._duplicate(m, delivered, forced)

    def _sms(self, m: Message, reachable: bool, forced: an.Anomaly | None) -> None:
        rng = self.rng
        sent_ms = m.sent_ms or 0
        if reachable:
            r = self._status(m, "delivered", "DELIVERED", sent_ms + rng.randrange(2000, 40_000))
        else:
            reason = rng.choice(("Absent Subscriber", "Handset Busy", "Memory Capacity Exceeded"))
            r = self._status(
                m, "failed", "FAILED", sent_ms + rng.randrange(HOUR_MS, 6 * HOUR_MS), failure_reason=reason
            )
        if forced is not None and forced.kind == DUPLICATE_STATUS:
            self._duplicate(m, r, forced)

    def _email(self, m: Message, reachable: bool, forced: an.Anomaly | None) -> None:
        rng = self.rng
        at = (m.sent_ms or 0) + rng.randrange(200, 2000)
        self._status(m, "sent", "processed", at, sg_message_id=self._sg_id(m))
        if not reachable:
            self._status(
                m, "failed", "bounce", at + rng.randrange(2000, 60_000), sg_message_id=self._sg_id(m),
                reason="550 5.2.2 The email account that you tried to reach is over quota", status="5.2.2", type="bounce",
            )  # fmt: skip
            return
        at += rng.randrange(1000, 30_000)
        delivered = self._status(
            m, "delivered", "delivered", at, sg_message_id=self._sg_id(m), response="250 2.0.0 OK", tls=1
        )
        if forced is not None and forced.kind == DUPLICATE_STATUS:
            self._duplicate(m, delivered, forced)
        if forced is not None or rng.random() < READ_SHARE["email"]:
            at += rng.randrange(2 * MINUTE_MS, 8 * HOUR_MS)
            opened = {"useragent": "Mozilla/5.0 (via ggpht.com GoogleImageProxy)", "ip": "66.249.84.17"}
            self._status(m, "read", "open", at, sg_message_id=self._sg_id(m), **opened)

    def _sg_id(self, m: Message) -> str:
        """SendGrid's own id of the message: the same on each of its events."""
        for r in m.statuses:
            if "sg_message_id" in r.fields:
                return str(r.fields["sg_message_id"])
        return self.pids.sg_message_id()


def _utc_ms(text: str) -> int:
    return round(datetime.fromisoformat(text).timestamp() * 1000)


def _ist_hm(ms: int) -> str:
    s = _ist_seconds_of_day(ms)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"
