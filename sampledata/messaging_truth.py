"""The `messaging` section of ground_truth.json: every message's final status, the daily funnel with its
cost inputs, the reminder-effect table and the injected anomalies (docs/messaging-sample.md).

Everything is computed from what was written (events and provider records inside the period), so the
truth is what a reader of the files must find.
"""

from __future__ import annotations

from collections import defaultdict

from . import messaging as ms
from .clock import iso_day, ist_day_of_ms, rfc3339_ms
from .ground_truth import OneLinePerItem
from .messaging_wire import MSG91_STATUS, StatusRecord

RANK = {"sent": 1, "delivered": 2, "read": 3}
REMINDER_GROUPS = ("delivered", "not_delivered", "none")


def final_status(m: ms.Message) -> str:
    """The furthest of sent < delivered < read; `failed` only when nothing reached delivered. A message
    never sent is `suppressed` (opted out) or still `queued` at the end of the period."""
    if m.suppressed:
        return "suppressed"
    got = {r.status for r in m.statuses}
    for status in ("read", "delivered"):
        if status in got:
            return status
    if "failed" in got or m.dead_lettered_ms is not None:
        return "failed"
    return "sent" if m.sent_ms is not None or "sent" in got else "queued"


def _first(m: ms.Message, status: str) -> StatusRecord | None:
    return min((r for r in m.statuses if r.status == status), key=lambda r: (r.at_s, r.seq), default=None)


def _utc_s(record: StatusRecord | None) -> str | None:
    return None if record is None else rfc3339_ms(record.at_s * 1000).replace(".000Z", "Z")


def _failure(m: ms.Message) -> tuple[str | None, str | None]:
    """(error code, reason) of a failed message: the provider's, or the dead letter's."""
    failed = _first(m, "failed")
    if failed is not None:
        f = failed.fields
        if "error" in f:
            code, title, _ = f["error"]
            return str(code), title
        if failed.provider == "msg91":
            return MSG91_STATUS[failed.provider_status], str(f.get("failure_reason", ""))
        return str(f.get("status", "")), str(f.get("reason", ""))
    if m.dead_lettered_ms is not None:
        return m.error_code, "dead-lettered"
    return None, None


def message_truth(m: ms.Message, status: str) -> dict:
    code, reason = _failure(m) if status == "failed" else (None, None)
    return {
        "status": status,
        "channel": m.channel,
        "purpose": m.purpose,
        "template": m.template,
        "language": m.language,
        "branch_id": m.life.branch_id,
        "booking_id": m.life.booking_id,
        "provider": ms.STATUS_PROVIDER[m.channel] if m.provider_message_id else m.provider,
        "provider_message_id": m.provider_message_id or None,
        "attempts": m.attempts,
        "queued_at": rfc3339_ms(m.queued_ms),
        "sent_at": rfc3339_ms(m.sent_ms) if m.sent_ms is not None else None,
        "delivered_at": _utc_s(_first(m, "delivered")),
        "read_at": _utc_s(_first(m, "read")),
        "failed_at": _utc_s(_first(m, "failed"))
        or (rfc3339_ms(m.dead_lettered_ms) if m.dead_lettered_ms is not None else None),
        "error_code": code,
        "failure_reason": reason,
        "deferred": m.deferred,
    }


def conversation_openers(messages: list[ms.Message]) -> dict[str, str]:
    """message id -> pricing category, for the message whose status first carries each conversation."""
    first: dict[str, tuple[int, int, int, str, str]] = {}
    for m in messages:
        for r in m.statuses:
            conv = r.fields.get("conversation")
            if conv is None:
                continue
            key = (r.at_s, r.arrival_s, r.seq, m.message_id, conv[2])  # time, then file order
            if conv[0] not in first or key < first[conv[0]]:
                first[conv[0]] = key
    return {message_id: category for *_, message_id, category in first.values()}


def funnel(messages: list[ms.Message], finals: dict[str, str]) -> list[dict]:
    """Per branch x channel x template x IST day of queueing: counts and cost inputs."""
    openers = conversation_openers(messages)
    rows: dict[tuple[str, str, str, str], dict] = {}
    for m in messages:
        key = (m.life.branch_id, m.channel, m.template, iso_day(ist_day_of_ms(m.queued_ms)))
        row = rows.get(key)
        if row is None:
            row = rows[key] = {
                "branch_id": key[0], "channel": key[1], "template": key[2], "day": key[3],
                "messages": 0, "sent": 0, "delivered": 0, "read": 0, "failed": 0, "suppressed": 0,
                "sms_segments": 0, "whatsapp_billable_messages": {}, "whatsapp_conversations": {},
            }  # fmt: skip
        status = finals[m.message_id]
        row["messages"] += 1
        row["sent"] += m.sent_ms is not None
        row["delivered"] += status in ("delivered", "read")
        row["read"] += status == "read"
        row["failed"] += status == "failed"
        row["suppressed"] += status == "suppressed"
        if m.channel == "sms" and m.sent_ms is not None:
            row["sms_segments"] += m.segments or 0
        billable = {r.fields["conversation"][2] for r in m.statuses if "conversation" in r.fields}
        for category in billable:
            row["whatsapp_billable_messages"][category] = (
                row["whatsapp_billable_messages"].get(category, 0) + 1
            )
        if m.message_id in openers:
            category = openers[m.message_id]
            row["whatsapp_conversations"][category] = row["whatsapp_conversations"].get(category, 0) + 1
    return [rows[k] for k in sorted(rows)]


def reminder_effect(sim: ms.MessagingSimulator, finals: dict[str, str]) -> list[dict]:
    """Bookings with an outcome (completed / no_show), per branch x IST month of their slot x what their
    reminders did: some delivered (or read), none delivered but some sent, none sent."""
    reminders: dict[str, list[ms.Message]] = defaultdict(list)
    for m in sim.messages:
        if m.purpose in ms.REMINDERS:
            reminders[m.life.booking_id].append(m)
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for life in sim.lives():
        if not life.outcome:
            continue
        sent = reminders.get(life.booking_id, [])
        if any(finals[m.message_id] in ("delivered", "read") for m in sent):
            group = "delivered"
        elif any(m.sent_ms is not None for m in sent):
            group = "not_delivered"
        else:
            group = "none"
        month = iso_day(ist_day_of_ms(life.final_slot()))[:7]
        line = counts[life.branch_id, month, group]
        line[0] += 1
        line[1] += life.outcome == "no_show"
    return [
        {"branch_id": b, "month": month, "reminder": g, "bookings": n, "no_shows": k}
        for (b, month, g), (n, k) in sorted(
            counts.items(), key=lambda kv: (*kv[0][:2], REMINDER_GROUPS.index(kv[0][2]))
        )
    ]


def _visible(kind: str, m: ms.Message, status: str) -> bool:
    """Whether the anomaly shows in the files (its statuses may fall after the end of the period)."""
    got = [r.provider_status for r in m.statuses]
    if kind == ms.INVALID_NUMBER:
        return status == "failed"
    if kind in (ms.TEMPLATE_REJECTED, ms.RETRIES_EXHAUSTED):
        return m.dead_lettered_ms is not None
    if kind == ms.RATE_LIMITED:
        return m.attempts == 2 and m.sent_ms is not None
    if kind == ms.OUT_OF_ORDER:
        by_arrival = sorted(m.statuses, key=lambda r: (r.arrival_s, r.seq))
        names = [r.provider_status for r in by_arrival]
        return "read" in names and "delivered" in names and names.index("read") < names.index("delivered")
    if kind == ms.DUPLICATE_STATUS:
        return len(got) > len(set(got))
    if kind == ms.OPTED_OUT:
        return status == "suppressed"
    return m.deferred


def messaging_truth(sim: ms.MessagingSimulator) -> dict:
    finals = {m.message_id: final_status(m) for m in sim.messages}
    by_id = {m.message_id: m for m in sim.messages}
    anomalies = []
    for a in sim.anomalies:
        a.entity_ids = [i for i in a.entity_ids if _visible(a.kind, by_id[i], finals[i])]
        if not a.entity_ids:
            continue
        expected = {finals[i] for i in a.entity_ids}
        if len(expected) != 1:
            raise RuntimeError(
                f"generator bug: {a.kind} messages end in different statuses {sorted(expected)}"
            )
        a.expected_status = expected.pop()
        anomalies.append(a.as_json())
    by_status: dict[str, int] = defaultdict(int)
    for status in finals.values():
        by_status[status] += 1
    return {
        "messages": len(sim.messages),
        "by_status": dict(sorted(by_status.items())),
        "provider_records": {p: len(r) for p, r in sim.records.items()},
        "anomalies": anomalies,
        "opt_outs": sim.opt_outs,
        "funnel_daily": OneLinePerItem(funnel(sim.messages, finals)),
        "reminder_effect": reminder_effect(sim, finals),
        "expected_messages": OneLinePerItem(
            {m.message_id: message_truth(m, finals[m.message_id]) for m in sim.messages}
        ),
    }
