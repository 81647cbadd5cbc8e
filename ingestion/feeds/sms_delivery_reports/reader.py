"""MSG91 delivery reports (CSV): split by header name, then typed and checked in the warehouse.

`date` is MSG91's IST wall-clock time (`2024-05-22 10:06:20`), stored in UTC. `status` is MSG91's code,
normalised through booking.domain.message_status.MSG91_STATUS_CODES; a code outside it is quarantined.
"""

from __future__ import annotations

from booking.domain.message_status import MSG91_STATUS_CODES
from ingestion import message_sql as m
from ingestion import sql_checks as q
from ingestion.feeds.sms_delivery_reports.spec import SPEC
from ingestion.feeds.status_csv import CsvStatusesReader

FIELDS = tuple(name.lower() for name in SPEC.header())
REQUIRED = ("requestid", "number", "status", "date")
CODES = ", ".join(f"{code} ({status})" for code, status in MSG91_STATUS_CODES.items())


def validation_sql(tenant_id: str) -> str:
    code = "trimBoth(f_status)"
    failed = "normalised = 'failed'"
    checks = [
        q.required_text("requestId", "trimBoth(f_requestid)"),
        q.required_text("number", "trimBoth(f_number)"),
        (
            "normalised = ''",
            f"concat('column ''status'' has ', {q.shown(code)}, {q.lit('; expected an MSG91 status code: ' + CODES)})",
        ),
        *q.time_checks("date", "trimBoth(f_date)", "ist_local"),
    ]
    reason = "if(trimBoth(f_failedreason) != '', trimBoth(f_failedreason), trimBoth(f_desc))"
    return f"""
select
  {q.lit(tenant_id)} as tenant_id,
  trimBoth(f_requestid) as provider_message_id,
  normalised as status,
  if(trimBoth(f_desc) != '', upper(trimBoth(f_desc)), {code}) as provider_status,
  {q.time_value("trimBoth(f_date)", "ist_local", nullable=False)} as status_time,
  {m.mask_phone("trimBoth(f_number)")} as recipient_masked,
  if({failed}, {code}, NULL) as error_code,
  if({failed} and {reason} != '', {m.mask_emails_in(reason)}, NULL) as error_title,
  {code} as status_code,
  trimBoth(f_senderid) as sender_id,
  _source_line, _raw_line, _byte_offset, _byte_length,
  {q.reason(checks)} as _reason
from (select *, {m.normalised(code, MSG91_STATUS_CODES)} as normalised from {{prev}})"""


class SmsDeliveryReportsReader(CsvStatusesReader):
    fields = FIELDS
    required = REQUIRED

    def validation_sql(self, tenant_id: str) -> str:
        return validation_sql(tenant_id)
