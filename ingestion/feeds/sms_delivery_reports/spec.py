"""SMS delivery reports: MSG91's DLR report rows, one row per request id and number."""

from __future__ import annotations

from ingestion.message_sql import status_columns
from ingestion.spec import DAILY, Column, FeedSpec, TableSpec

REPORTS = TableSpec(
    "sms_delivery_reports",
    "One row per MSG91 delivery report of an SMS we sent (a request id and a number): delivered, or failed "
    "(failed, NDNC, rejected, blocked) with MSG91's reason.",
    (
        *status_columns("MSG91's request id", "the report's `desc`: DELIVERED, FAILED, NDNC, REJECTED…"),
        Column("status_code", "String", "MSG91's status code (1 delivered; 2, 9, 16, 17, 25 failed)."),
        Column("sender_id", "String", "The DLT sender id (header) the SMS went out under."),
    ),
    key=("provider_message_id", "recipient_masked", "provider_status", "status_time"),
    event_time="status_time",
)

SPEC = FeedSpec(
    name="sms_delivery_reports",
    freshness=DAILY,
    description="MSG91 SMS delivery reports as CSV, one report per row, under the DLR webhook's field names "
    "(`requestId`, `number`, `status`, `desc`, `date` in IST, `senderId`, `failedReason`). Numbers are "
    "masked at load.",
    source="messaging",
    folder="messages/msg91",
    patterns=("*.csv",),
    tables=(REPORTS,),
    position="line",
    reader="engine",
    optional_tables=(REPORTS.name,),  # a chain that sends no SMS (or no email) has no such files
    headers={REPORTS.name: ("requestId", "number", "status", "desc", "date", "senderId", "failedReason")},
)
