"""The booking-service events feed: CloudEvents 1.0, structured JSON, one per line (NDJSON)."""

from __future__ import annotations

from booking.domain.events import EVENT_TYPES
from ingestion.claim_event import CLAIM_EVENT_TYPE_NAMES
from ingestion.mllp.ops_events import LISTENER_INTERVAL
from ingestion.spec import DAILY, Column, FeedSpec, TableSpec
from ingestion.sql_checks import lit, one_of

# a captured payment's one fact: paid (its order's amount) or mismatched (another amount or currency)
CAPTURED = ("payment.deposit.paid", "payment.balance.paid", "payment.capture.mismatched")
REFUNDS = ("payment.refund.initiated", "payment.refund.issued")
# Appointment facts that happen once per booking (a booking is rescheduled any number of times; an unpaid
# booking expires once, and an expired booking never changes again).
ONCE_PER_BOOKING = (
    "appointment.booked",
    "appointment.cancelled",
    "appointment.completed",
    "appointment.no_show",
    "appointment.expired",
)

# The entity an event states a fact about, whatever its event id: a captured payment, a refund step, a
# once-per-booking appointment fact. Two events of one entity must carry the same `data`.
ENTITY_KEY = (
    "multiIf("
    f"event_type in {one_of(CAPTURED)}, concat('payment ', JSONExtractString(data, 'payment_id')), "
    f"event_type in {one_of(REFUNDS)}, concat(event_type, ' ', JSONExtractString(data, 'refund_id')), "
    f"event_type in {one_of(ONCE_PER_BOOKING)}, concat(event_type, ' ', JSONExtractString(data, 'booking_id')), "
    f"{lit('')})"
)

EVENTS = TableSpec(
    "booking_events",
    "One row per booking-service event (appointment booked/cancelled/rescheduled/completed/no-show/expired, "
    "payment initiated/captured/capture mismatched, refund initiated/issued, tele sessions, the worker's "
    "`ops.webhook.delivery.*` metrics of partner webhooks, the MLLP listener's `ops.mllp.listener.interval` "
    "counts, and patient messages' `message.*` lifecycle). "
    "Append-only.",
    (
        Column("event_id", "String", "CloudEvents `id`, unique per event; the natural key."),
        Column("specversion", "String", 'CloudEvents spec version, always "1.0".'),
        Column(
            "event_type",
            "String",
            "CloudEvents `type`, e.g. `payment.deposit.paid` or `payment.refund.initiated`.",
        ),
        Column("source", "String", "CloudEvents `source`, `mymedic/booking/<branch_id>`."),
        Column(
            "subject",
            "String",
            "CloudEvents `subject`, the booking id the event is about (a message's id for `message.*`).",
            "pii",
        ),
        Column("event_time", "DateTime64(3, 'UTC')", "When the event happened (UTC)."),
        Column("datacontenttype", "String", "Content type of `data`, `application/json`."),
        Column("tenant_id", "String", "The clinic chain (CloudEvents extension `tenantid`)."),
        Column(
            "branch_id", "String", "The branch that emitted the event (CloudEvents extension `branchid`)."
        ),
        Column(
            "data",
            "String",
            "The event payload as JSON text; its fields depend on event_type (patient ids, visit type, amounts).",
            "phi",
        ),
        Column(
            "_entity_key",
            "String",
            "The entity the event states a fact about ('' for none), computed by ClickHouse.",
            materialized=ENTITY_KEY,
        ),
    ),
    key=("event_id",),
    entity_key="_entity_key",
    entity_facts="data",
)

SPEC = FeedSpec(
    name="booking_events",
    freshness=DAILY,
    description="The booking service's event stream (CloudEvents 1.0), loaded as-is by the ingestion step. "
    "Every appointment and payment fact of the clinic chain starts here.",
    source="booking",
    folder="events",
    patterns=("*.ndjson", "*.jsonl"),
    tables=(EVENTS,),
    position="line",
    reader="engine",
)

# The platform's event contract: the booking service's types, the claims feeds' (`claim.*`, published for
# every claim state change; declared in ingestion/feeds/claims_*/spec.py) and the MLLP listener's interval
# counts (ingestion/mllp/ops_events.py).
EVENT_TYPE_NAMES: tuple[str, ...] = (*EVENT_TYPES, *CLAIM_EVENT_TYPE_NAMES, LISTENER_INTERVAL)
