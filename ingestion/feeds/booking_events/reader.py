"""Booking-service events: CloudEvents 1.0 in structured JSON mode, one per line (NDJSON).

An engine feed (several events per booking): ClickHouse reads the file's bytes, splits its lines, parses
the JSON and validates the envelope and each known type's `data` in one vectorised query per file. Every
reason names the attribute or `data.<field>` and what is wrong with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from booking.domain.message_status import STATUS_EVENT_PREFIX, InboundProvider
from core.vocabulary import CURRENCY, GATEWAYS, PAYMENT_METHODS
from ingestion import sql_checks as q
from ingestion.claim_event import CLAIM_KINDS
from ingestion.claim_event import EVENT_TYPES as CLAIM_EVENTS
from ingestion.feeds.base import LoadContext
from ingestion.feeds.booking_events.spec import CAPTURED as PAYMENT_CAPTURED
from ingestion.feeds.booking_events.spec import EVENT_TYPE_NAMES as EVENT_TYPES
from ingestion.feeds.booking_events.spec import REFUNDS
from ingestion.mllp.ops_events import LISTENER_INTERVAL, Totals

APPOINTMENTS = tuple(t for t in EVENT_TYPES if t.startswith("appointment."))
TELE = tuple(t for t in EVENT_TYPES if t.startswith("tele."))
WEBHOOK_DELIVERY = tuple(t for t in EVENT_TYPES if t.startswith("ops.webhook.delivery."))
# outbound patient messages (issue 12): every lifecycle event is about one message; opt-outs about a patient
MESSAGE_LIFECYCLE = (
    "message.queued", "message.deferred", "message.suppressed", "message.sent", "message.attempt_failed",
    "message.dead_lettered",
)  # fmt: skip
MESSAGE_CHANNELS = ("whatsapp", "sms", "email")
MESSAGE_STATUS = tuple(t for t in EVENT_TYPES if t.startswith(STATUS_EVENT_PREFIX))
CLAIM = tuple(t for t in EVENT_TYPES if t.startswith("claim."))


@dataclass(frozen=True)
class DataRule:
    """A rule on `data.<field>` for some event types."""

    types: tuple[str, ...]
    field: str
    kind: str  # text | paise | count | time | one_of | pattern
    arg: tuple[str, ...] | str = ()


DATA_RULES: tuple[DataRule, ...] = (
    DataRule(APPOINTMENTS, "booking_id", "text"),
    DataRule(("payment.initiated",), "order_id", "text"),
    DataRule(("payment.initiated",), "booking_id", "text"),
    DataRule(("payment.initiated",), "amount_paise", "paise"),
    DataRule(("payment.initiated",), "currency", "one_of", (CURRENCY,)),
    DataRule(PAYMENT_CAPTURED, "payment_id", "pattern", r"^pay_\w+$"),
    *(DataRule(PAYMENT_CAPTURED, f, "text") for f in ("order_id", "booking_id", "patient_id", "branch_id")),
    DataRule(PAYMENT_CAPTURED, "amount_paise", "paise"),
    DataRule(PAYMENT_CAPTURED, "currency", "one_of", (CURRENCY,)),
    DataRule(PAYMENT_CAPTURED, "method", "one_of", PAYMENT_METHODS),
    DataRule(PAYMENT_CAPTURED, "gateway", "one_of", GATEWAYS),
    DataRule(PAYMENT_CAPTURED, "captured_at", "time"),
    DataRule(REFUNDS, "refund_id", "pattern", r"^rfnd_\w+$"),
    DataRule(REFUNDS, "payment_id", "text"),
    DataRule(REFUNDS, "amount_paise", "paise"),
    *(DataRule(TELE, f, "text") for f in ("booking_id", "room_id", "branch_id")),
    DataRule(("tele.room.created",), "link_expires_at", "time"),
    DataRule(("tele.session.started", "tele.session.completed"), "started_at", "time"),
    DataRule(("tele.session.completed",), "ended_at", "time"),
    DataRule(("tele.session.completed",), "duration_seconds", "count"),
    DataRule(("tele.session.failed",), "failed_at", "time"),
    *(DataRule(WEBHOOK_DELIVERY, f, "text") for f in ("endpoint", "event_id", "event_type")),
    DataRule(WEBHOOK_DELIVERY, "attempts", "count"),
    DataRule(WEBHOOK_DELIVERY, "latency_ms", "count"),
    DataRule((LISTENER_INTERVAL,), "listener", "text"),
    *(DataRule((LISTENER_INTERVAL,), f, "time") for f in ("interval_start", "interval_end")),
    *(DataRule((LISTENER_INTERVAL,), f, "count") for f in (*Totals.model_fields, "connections_open")),
    # ---- outbound patient messages ----
    DataRule(MESSAGE_LIFECYCLE, "message_id", "pattern", r"^msg_\w+$"),
    DataRule(("message.queued",), "channel", "one_of", MESSAGE_CHANNELS),
    *(
        DataRule(("message.queued",), f, "text")
        for f in ("patient_id", "purpose", "template", "recipient_masked")
    ),
    DataRule(("message.queued",), "scheduled_for", "time"),
    DataRule(("message.deferred",), "deferred_until", "time"),
    DataRule(("message.sent",), "provider_message_id", "text"),
    DataRule(("message.sent",), "sent_at", "time"),
    DataRule(("message.sent", "message.attempt_failed"), "attempt", "count"),
    DataRule(("message.attempt_failed", "message.dead_lettered"), "error_code", "text"),
    DataRule(("message.opted_out",), "patient_id", "text"),
    DataRule(("message.opted_out",), "channel", "one_of", MESSAGE_CHANNELS),
    DataRule(("message.opted_out",), "received_at", "time"),
    DataRule(MESSAGE_STATUS, "provider", "one_of", get_args(InboundProvider)),
    *(
        DataRule(MESSAGE_STATUS, f, "text")
        for f in ("provider_message_id", "provider_status", "recipient_masked")
    ),
    DataRule(MESSAGE_STATUS, "status_time", "time"),
    # ---- insurance claims (ingestion/claim_event.py) ----
    *(DataRule(CLAIM, f, "text") for f in ("claim_id", "source", "message_id")),
    DataRule(CLAIM, "claim_kind", "one_of", CLAIM_KINDS),
    DataRule(CLAIM, "event", "one_of", CLAIM_EVENTS),
)

ENVELOPE_TEXT = ("id", "source", "type", "subject", "tenantid", "branchid")


# Each line's JSON is parsed once (stage 1): the envelope's and the data object's members become maps of
# their raw JSON values; every check then reads a member (a small JSON value) from those maps.


def _attr(name: str) -> str:
    """An envelope attribute as text ('' when missing or not a string)."""
    return f"JSONExtractString(_env[{q.lit(name)}])"


def _attr_type(name: str) -> str:
    return f"toString(JSONType(_env[{q.lit(name)}]))"


def _is_time(expr: str) -> str:
    """Strict RFC 3339 with its zone, on a real calendar day (no 25:00, no 30 February)."""
    day = f"substring({expr}, 1, 10)"
    return (
        f"(match({expr}, {q.lit(q.RFC3339_RE)}) and toString(toDateOrNull({day})) = {day} "
        f"and parseDateTime64BestEffortOrNull({expr}, 3, 'UTC') is not null)"
    )


def _rule_check(rule: DataRule) -> tuple[str, str]:
    raw = f"_data[{q.lit(rule.field)}]"
    value = f"JSONExtractString({raw})"
    json_type = f"toString(JSONType({raw}))"
    if rule.kind == "text":
        good, why = f"{json_type} = 'String' and {value} != ''", "missing, empty or not a string"
    elif rule.kind == "paise":
        good = f"{json_type} in ('Int64', 'UInt64') and JSONExtractInt({raw}) > 0"
        why = "expected a whole number of paise greater than 0 (a JSON integer, not text or a decimal)"
    elif rule.kind == "count":
        good = f"{json_type} in ('Int64', 'UInt64') and JSONExtractInt({raw}) >= 0"
        why = "expected a whole number >= 0 (a JSON integer)"
    elif rule.kind == "time":
        good, why = _is_time(value), "expected an RFC 3339 time with its zone, e.g. 2026-10-01T04:30:00Z"
    elif rule.kind == "one_of":
        good, why = f"{value} in {q.one_of(rule.arg)}", f"expected one of {', '.join(rule.arg)}"
    else:
        good, why = f"match({value}, {q.lit(str(rule.arg))})", f"expected an id matching {rule.arg}"
    bad = f"event_type in {q.one_of(rule.types)} and not ({good})"
    message = f"concat(event_type, ' event ', event_id, {q.lit(f': data.{rule.field}: {why}')})"
    return bad, message


def validation_sql(tenant_id: str) -> list[str]:
    """Two stages: each line parsed once into maps of its members, then the checks over those."""
    other = q.lit(f", but this data directory belongs to tenant {tenant_id}")
    checks: list[tuple[str, str]] = [
        ("not _valid", q.lit("line is not valid JSON (truncated or malformed)")),
        (
            "not startsWith(trimLeft(_raw_line), '{')",
            q.lit("line is JSON but not an object; expected a CloudEvent"),
        ),
        (
            "not mapContains(_env, 'specversion')",
            q.lit(
                "not a CloudEvent: the line's object has no specversion (is the event wrapped in another object?)"
            ),
        ),
        (
            f"{_attr('specversion')} != '1.0'",
            f"concat('not a valid CloudEvent: specversion must be \"1.0\", not ', {q.shown(_attr('specversion'))})",
        ),
        *(
            (
                f"{_attr_type(a)} != 'String' or {_attr(a)} = ''",
                q.lit(f"not a valid CloudEvent: {a} is missing, empty or not a string"),
            )
            for a in ENVELOPE_TEXT
        ),
        (
            f"not {_is_time(_attr('time'))}",
            q.lit("not a valid CloudEvent: time must be RFC 3339 with its zone"),
        ),
        (
            f"{_attr_type('data')} != 'Object'",
            q.lit("not a valid CloudEvent: data must be a JSON object"),
        ),
        (
            f"event_type not in {q.one_of(EVENT_TYPES)}",
            f"concat('unknown event type ', {q.shown('event_type')}, {q.lit('; expected one of ' + ', '.join(EVENT_TYPES))})",
        ),
        (
            f"tenant_id != {q.lit(tenant_id)}",
            f"concat('event belongs to tenant ', {q.shown('tenant_id')}, {other})",
        ),
        *(_rule_check(rule) for rule in DATA_RULES),
    ]
    parsed = """
select _source_line, _raw_line, _byte_offset, _byte_length, _line_problem as _problem, _valid, _env,
  if(startsWith(_env['data'], '{'), CAST(JSONExtractKeysAndValuesRaw(_env['data']), 'Map(String, String)'),
     map()) as _data
from (
  select *, isValidJSON(_raw_line) as _valid,
    if(_valid, CAST(JSONExtractKeysAndValuesRaw(_raw_line), 'Map(String, String)'), map()) as _env
  from {lines}
)"""
    checked = f"""
select
  event_id, specversion, event_type, source, subject,
  ifNull(parseDateTime64BestEffortOrNull({_attr("time")}, 3, 'UTC'), toDateTime64(0, 3, 'UTC')) as event_time,
  if(datacontenttype = '', 'application/json', datacontenttype) as datacontenttype,
  tenant_id, branch_id, data, _source_line, _raw_line, _byte_offset, _byte_length,
  {q.reason(checks)} as _reason
from (
  select *,
    {_attr("id")} as event_id, {_attr("specversion")} as specversion, {_attr("type")} as event_type,
    {_attr("source")} as source, {_attr("subject")} as subject, {_attr("datacontenttype")} as datacontenttype,
    {_attr("tenantid")} as tenant_id, {_attr("branchid")} as branch_id, _env['data'] as data
  from {{prev}}
)"""
    return [parsed, checked]


class BookingEventsReader:
    kind = "engine"

    def unit(self, path: Path) -> str:
        return "lines"

    def rejection_sql(self, path: Path) -> str:
        return ""

    def select_sql(self, path: Path, context: LoadContext) -> list[str]:
        return validation_sql(context.tenant_id)
