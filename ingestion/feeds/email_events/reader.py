"""SendGrid email events (CSV): split by header name, then typed and checked in the warehouse.

`event` is normalised through booking.domain.message_status.SENDGRID_EVENTS; an event outside it (deferred,
spamreport, unsubscribe…) is not a delivery status of a message and is quarantined saying so.
"""

from __future__ import annotations

from booking.domain.message_status import SENDGRID_EVENTS
from ingestion import message_sql as m
from ingestion import sql_checks as q
from ingestion.feeds.email_events.spec import SPEC
from ingestion.feeds.status_csv import CsvStatusesReader

FIELDS = tuple(name.lower() for name in SPEC.header())
REQUIRED = ("sg_event_id", "sg_message_id", "event", "email", "timestamp")
KNOWN = ", ".join(SENDGRID_EVENTS)


def _col(name: str) -> str:
    return f"trimBoth(`f_{name}`)"


def validation_sql(tenant_id: str) -> str:
    event, smtp_id = f"lower({_col('event')})", f"trimBoth({_col('smtp-id')}, '<>')"
    failed = "normalised = 'failed'"
    checks = [
        q.required_text("sg_event_id", _col("sg_event_id")),
        q.required_text("sg_message_id", _col("sg_message_id")),
        q.required_text("email", _col("email")),
        (
            "normalised = ''",
            f"concat('column ''event'' has ', {q.shown(event)}, "
            f"{q.lit('; not a delivery status of a message (expected one of ' + KNOWN + ')')})",
        ),
        *q.epoch_checks("timestamp", _col("timestamp")),
    ]
    return f"""
select
  {q.lit(tenant_id)} as tenant_id,
  if({smtp_id} != '', {smtp_id}, {_col("sg_message_id")}) as provider_message_id,
  normalised as status,
  {event} as provider_status,
  {q.epoch_value(_col("timestamp"), nullable=False)} as status_time,
  {m.mask_email(_col("email"))} as recipient_masked,
  if({failed}, nullIf({_col("status")}, ''), NULL) as error_code,
  if({failed}, nullIf({m.mask_emails_in(_col("reason"))}, ''), NULL) as error_title,
  {_col("sg_event_id")} as event_id,
  {_col("sg_message_id")} as sg_message_id,
  if({event} = 'bounce', {_col("type")}, '') as bounce_type,
  _source_line, _raw_line, _byte_offset, _byte_length,
  {q.reason(checks)} as _reason
from (select *, {m.normalised(event, SENDGRID_EVENTS)} as normalised from {{prev}})"""


class EmailEventsReader(CsvStatusesReader):
    fields = FIELDS
    required = REQUIRED

    def validation_sql(self, tenant_id: str) -> str:
        return validation_sql(tenant_id)
