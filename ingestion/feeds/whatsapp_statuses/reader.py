"""WhatsApp status webhooks: Meta's payloads, exploded into their statuses and validated by the engine.

A `.json` file is one payload (one webhook POST body, as the corpus files are), a `.ndjson` file one payload
per line. ClickHouse parses each payload once and explodes `entry[] × changes[] × value.statuses[]` with
array functions (stage 1); each status is then typed and checked (stage 2). A payload that is not JSON, not a
`whatsapp_business_account` object or holds no change is one quarantined record; so is a change without
statuses (an inbound message or another field: this feed loads statuses only) and a status that can't be
read, each with a reason naming the field.
"""

from __future__ import annotations

from pathlib import Path

from booking.domain.message_status import META_STATUSES
from ingestion import message_sql as m
from ingestion import sql_checks as q
from ingestion.feeds.base import LoadContext

OBJECT = "whatsapp_business_account"


def _payloads(unit: str) -> str:
    if unit == "document":
        return (
            "select toUInt64(1) as _source_line, replaceRegexpOne(content, '^\\xEF\\xBB\\xBF', '') as _payload, "
            "toUInt64(0) as _byte_offset, toUInt64(length(content)) as _byte_length, "
            "if(isValidUTF8(content), '', 'file is not valid UTF-8 text') as _p0 from {document}"
        )
    return (
        "select _source_line, _raw_line as _payload, _byte_offset, _byte_length, _line_problem as _p0 "
        "from {lines}"
    )


def _problem_item(reason: str) -> str:
    return f"[tuple('', '', _payload, {reason})]"


# Every status of a payload with its entry's WABA id and its change's phone number id; a change without
# statuses is an item with the reason it is not loaded.
ITEMS = """arrayFlatten(arrayMap(e -> arrayFlatten(arrayMap(c ->
    if(notEmpty(JSONExtractArrayRaw(c, 'value', 'statuses')),
       arrayMap(s -> tuple(JSONExtractString(e, 'id'), JSONExtractString(c, 'value', 'metadata', 'phone_number_id'), s, ''),
                JSONExtractArrayRaw(c, 'value', 'statuses')),
       [tuple(JSONExtractString(e, 'id'), '', c, concat('change (field ', if(JSONExtractString(c, 'field') = '', '?', JSONExtractString(c, 'field')), ') has no value.statuses',
         if(notEmpty(JSONExtractArrayRaw(c, 'value', 'messages')), concat(' but ', toString(length(JSONExtractArrayRaw(c, 'value', 'messages'))), ' inbound message(s)'), ''),
         ': this feed loads message statuses only (inbound messages reach the booking service webhook)'))]),
    JSONExtractArrayRaw(e, 'changes'))), JSONExtractArrayRaw(_payload, 'entry')))"""


def explode_sql(unit: str) -> str:
    """Stage 1: one row per status (or per reason a payload or change gives none)."""
    found = q.shown("JSONExtractString(_payload, 'object')")
    wrong_object = (
        f"concat('not a WhatsApp Business webhook: object is ', {found}, {q.lit('; expected ' + OBJECT)})"
    )
    return f"""
select _source_line, _byte_offset, _byte_length, _item.1 as _waba, _item.2 as _phone_id, _item.3 as _raw_line,
  _item.4 as _problem
from (
  select _source_line, _byte_offset, _byte_length,
    multiIf(
      _p0 != '', {_problem_item("_p0")},
      not isValidJSON(_payload), {_problem_item(q.lit("not valid JSON (truncated or malformed)"))},
      JSONType(_payload) != 'Object', {_problem_item(q.lit("JSON but not an object; expected a webhook payload"))},
      JSONExtractString(_payload, 'object') != {q.lit(OBJECT)}, {_problem_item(wrong_object)},
      empty(_items), {_problem_item(q.lit("the payload has no entry[].changes[]: nothing to load"))},
      _items) as _all
  from (select *, {ITEMS} as _items from ({_payloads(unit)}))
)
array join _all as _item"""


def _s(*path: str | int) -> str:
    """A status member as text: a JSON string's value, a number's digits ('' when missing)."""
    keys = ", ".join(str(p) if isinstance(p, int) else q.lit(p) for p in path)
    return f"trimBoth(JSONExtractRaw(_raw_line, {keys}), '\"')"


def validation_sql(tenant_id: str) -> str:
    """Stage 2: each status typed and checked."""
    known = ", ".join(META_STATUSES)
    said = q.shown("JSONExtractString(_raw_line, 'status')")
    ts, expires = _s("timestamp"), _s("conversation", "expiration_timestamp")
    has_errors = "notEmpty(JSONExtractArrayRaw(_raw_line, 'errors'))"
    checks: list[tuple[str, str]] = [
        ("JSONType(_raw_line) != 'Object'", q.lit("statuses[] item is not a JSON object")),
        (
            "JSONExtractString(_raw_line, 'id') = ''",
            q.lit("status has no id (statuses[].id, the wamid of the message)"),
        ),
        (
            "status = ''",
            f"concat('status ', {said}, {q.lit(' is not a delivery status; expected one of ' + known)})",
        ),
        *q.epoch_checks("statuses[].timestamp", ts),
        (
            "JSONExtractString(_raw_line, 'recipient_id') = ''",
            q.lit("status has no recipient_id (statuses[].recipient_id)"),
        ),
        *q.epoch_checks("conversation.expiration_timestamp", expires, required_when="0"),
        (
            "JSONHas(_raw_line, 'pricing', 'billable') and JSONType(_raw_line, 'pricing', 'billable') != 'Bool'",
            q.lit("pricing.billable is not true or false"),
        ),
    ]
    error_code = f"if({has_errors}, {_s('errors', 1, 'code')}, NULL)"
    title = "JSONExtractString(_raw_line, 'errors', 1, 'title')"
    message = "JSONExtractString(_raw_line, 'errors', 1, 'message')"
    optional = {
        "pricing_category": "JSONExtractString(_raw_line, 'pricing', 'category')",
        "pricing_model": "JSONExtractString(_raw_line, 'pricing', 'pricing_model')",
        "conversation_id": "JSONExtractString(_raw_line, 'conversation', 'id')",
        "conversation_origin": "JSONExtractString(_raw_line, 'conversation', 'origin', 'type')",
    }
    return f"""
select
  {q.lit(tenant_id)} as tenant_id,
  JSONExtractString(_raw_line, 'id') as provider_message_id,
  status,
  JSONExtractString(_raw_line, 'status') as provider_status,
  {q.epoch_value(ts, nullable=False)} as status_time,
  {m.mask_phone("JSONExtractString(_raw_line, 'recipient_id')")} as recipient_masked,
  {error_code} as error_code,
  if({has_errors}, {m.mask_emails_in(f"if({title} != '', {title}, {message})")}, NULL) as error_title,
  _waba as waba_id,
  _phone_id as phone_number_id,
  JSONExtractString(_raw_line, 'recipient_type') as recipient_type,
  nullIf({optional["pricing_category"]}, '') as pricing_category,
  if(JSONType(_raw_line, 'pricing', 'billable') = 'Bool',
     toNullable(toUInt8(JSONExtractBool(_raw_line, 'pricing', 'billable'))), NULL) as pricing_billable,
  nullIf({optional["pricing_model"]}, '') as pricing_model,
  nullIf({optional["conversation_id"]}, '') as conversation_id,
  nullIf({optional["conversation_origin"]}, '') as conversation_origin,
  {q.epoch_value(expires, nullable=True)} as conversation_expires_at,
  JSONExtractString(_raw_line, 'biz_opaque_callback_data') as callback_data,
  _source_line, _raw_line, _byte_offset, _byte_length,
  {q.reason(checks)} as _reason
from (
  select *, {m.normalised("JSONExtractString(_raw_line, 'status')", META_STATUSES)} as status from {{prev}}
)"""


class WhatsAppStatusesReader:
    kind = "engine"

    def unit(self, path: Path) -> str:
        return "document" if path.suffix.lower() == ".json" else "lines"

    def rejection_sql(self, path: Path) -> str:
        return ""

    def select_sql(self, path: Path, context: LoadContext) -> list[str]:
        return [explode_sql(self.unit(path)), validation_sql(context.tenant_id)]
