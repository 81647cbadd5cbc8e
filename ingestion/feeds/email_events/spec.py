"""Email events: SendGrid's delivery and engagement events of the emails we sent, one row per event."""

from __future__ import annotations

from ingestion.message_sql import status_columns
from ingestion.spec import DAILY, Column, FeedSpec, TableSpec

EVENTS = TableSpec(
    "email_events",
    "One row per SendGrid event of an email we sent: processed (sent), delivered, open and click (read), "
    "bounce and dropped (failed, with SendGrid's reason).",
    (
        *status_columns(
            "The SMTP Message-ID we set (SendGrid's `smtp-id`, without its angle brackets); SendGrid's "
            "`sg_message_id` for open and click events, which carry no smtp-id",
            "the `event`: processed, delivered, open, click, bounce, dropped",
        ),
        Column("event_id", "String", "SendGrid's `sg_event_id`, unique per event; the natural key."),
        Column("sg_message_id", "String", "SendGrid's own message id (`sg_message_id`)."),
        Column("bounce_type", "String", "For a bounce, `bounce` or `blocked` (SendGrid's `type`); else ''."),
    ),
    key=("event_id",),
    event_time="status_time",
)

# The Event Webhook's field names, as event dumps and SendGrid's own tools write them as CSV columns.
HEADER = (
    "sg_event_id",
    "sg_message_id",
    "smtp-id",
    "event",
    "email",
    "timestamp",
    "reason",
    "status",
    "type",
)

SPEC = FeedSpec(
    name="email_events",
    freshness=DAILY,
    description="SendGrid email events as CSV, one event per row, under the Event Webhook's field names "
    "(`sg_event_id`, `sg_message_id`, `smtp-id`, `event`, `email`, `timestamp` in epoch seconds, `reason`, "
    "`status`, `type`). Addresses are masked at load.",
    source="messaging",
    folder="messages/sendgrid",
    patterns=("*.csv",),
    tables=(EVENTS,),
    position="line",
    reader="engine",
    optional_tables=(EVENTS.name,),  # a chain that sends no SMS (or no email) has no such files
    headers={EVENTS.name: HEADER},
)
