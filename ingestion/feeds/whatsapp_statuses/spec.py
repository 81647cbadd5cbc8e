"""WhatsApp message statuses: Meta's webhook payloads as Meta posts them, one status per row."""

from __future__ import annotations

from ingestion.message_sql import status_columns
from ingestion.spec import DAILY, Column, FeedSpec, TableSpec

_T = "DateTime('UTC')"

STATUSES = TableSpec(
    "whatsapp_message_statuses",
    "One row per status of a WhatsApp message we sent (`entry[].changes[].value.statuses[]` of Meta's "
    "webhook): sent, delivered, read (or played) and failed with its error, the pricing and the "
    "conversation. Statuses arrive out of order; each is a fact, the marts take a message's furthest.",
    (
        *status_columns("Meta's message id (`wamid.…`)", "sent, delivered, read, played, failed"),
        Column("waba_id", "String", "The WhatsApp Business Account (`entry[].id`)."),
        Column("phone_number_id", "String", "The business phone number's id (`value.metadata`)."),
        Column("recipient_type", "String", "`individual` (empty when Meta leaves it out) or `group`."),
        Column(
            "pricing_category",
            "Nullable(String)",
            "Meta's pricing category (utility, marketing, authentication, service…).",
            "financial",
        ),
        Column("pricing_billable", "Nullable(UInt8)", "1 when Meta bills the message.", "financial"),
        Column("pricing_model", "Nullable(String)", "Meta's pricing model (CBP, PMP).", "financial"),
        Column(
            "conversation_id", "Nullable(String)", "The conversation (24-hour window) it opened or is in."
        ),
        Column("conversation_origin", "Nullable(String)", "What opened the conversation (`origin.type`)."),
        Column("conversation_expires_at", f"Nullable({_T})", "When the conversation window closes (UTC)."),
        Column(
            "callback_data",
            "String",
            "`biz_opaque_callback_data` we set when sending, echoed by Meta ('' when none).",
        ),
    ),
    key=("provider_message_id", "provider_status", "status_time"),
    event_time="status_time",
)

SPEC = FeedSpec(
    name="whatsapp_statuses",
    freshness=DAILY,
    description="WhatsApp Business Cloud API status webhooks (`object: whatsapp_business_account`) as Meta "
    "posts them: a .json file holds one payload, a .ndjson file one payload per line. Recipients are masked "
    "at load.",
    source="messaging",
    folder="messages/meta",
    patterns=("*.json", "*.ndjson"),
    tables=(STATUSES,),
    position="json_item",  # the payload: 1 in a .json file, its line in .ndjson; its statuses share it
    reader="engine",
)
