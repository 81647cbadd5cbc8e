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


NO_STATUSES = (
    "concat('change (field ', if(JSONExtractString(_c, 'field') = '', '?', JSONExtractString(_c, 'field')), "
    "') has no value.statuses', if(_inbound > 0, concat(' but ', toString(_inbound), ' inbound message(s)'), ''), "
    "': this feed loads message statuses only (inbound messages reach the booking service webhook)')"
)


def explode_sql(unit: str) -> str:
    """Stage 1: one row per status (or per reason a payload, an entry or a change gives none). Each level
    (payload, entry, change) is exploded with LEFT ARRAY JOIN, so an empty level is still a row, the one its
    reason is written on; a payload that can't be read is not exploded (one row, one reason)."""
    found = q.shown("JSONExtractString(_payload, 'object')")
    wrong_object = (
        f"concat('not a WhatsApp Business webhook: object is ', {found}, {q.lit('; expected ' + OBJECT)})"
    )
    # A payload whose `object` is ours parsed, so it is valid JSON: the cheap test first.
    payload_problem = f"""multiIf(
        _p0 != '', _p0,
        JSONExtractString(_payload, 'object') = {q.lit(OBJECT)} and startsWith(trimLeft(_payload), '{{'), '',
        not isValidJSON(_payload), 'not valid JSON (truncated or malformed)',
        not startsWith(trimLeft(_payload), '{{'), 'JSON but not an object; expected a webhook payload',
        JSONExtractString(_payload, 'object') != {q.lit(OBJECT)}, {wrong_object},
        '')"""
    # Most payloads hold one entry with one change: their statuses are read in one step (_fast, value.statuses
    # read once, as an array, or only when that is empty as an object); any other payload is exploded level
    # by level.
    fast = (
        "_pp = '' and JSONLength(_payload, 'entry') = 1 and JSONLength(_payload, 'entry', 1, 'changes') = 1 "
        "and (notEmpty(_fs) or JSONLength(_payload, 'entry', 1, 'changes', 1, 'value', 'statuses') > 0)"
    )
    fast_statuses = "JSONExtractArrayRaw(_payload, 'entry', 1, 'changes', 1, 'value', 'statuses')"
    return f"""
select _source_line, _byte_offset, _byte_length, _waba, _phone_id,
  multiIf(_s != '', _s, _c != '', _c, _e != '', _e, _payload) as _raw_line,
  multiIf(
    _pp != '', _pp,
    _fast, '',
    _e = '', 'the payload has no entry[]: nothing to load',
    _c = '', 'the entry has no changes[]: nothing to load',
    _s = '', {NO_STATUSES},
    '') as _problem
from (
  select *, _s,
    if(_fast, JSONExtractString(_payload, 'entry', 1, 'id'), JSONExtractString(_e, 'id')) as _waba,
    if(_fast, JSONExtractString(_payload, 'entry', 1, 'changes', 1, 'value', 'metadata', 'phone_number_id'),
       JSONExtractString(_c, 'value', 'metadata', 'phone_number_id')) as _phone_id,
    if(_fast, 0, length(JSONExtractArrayRaw(_c, 'value', 'messages'))) as _inbound
  from (
    select *, _c
    from (
      select *, _e
      from (select *, {fast} as _fast from (select *, {payload_problem} as _pp,
                                                   if(_pp = '', {fast_statuses}, []) as _fs from ({_payloads(unit)})))
      left array join if(_pp != '' or _fast, [''], JSONExtractArrayRaw(_payload, 'entry')) as _e
    )
    left array join if(_fast, [''], JSONExtractArrayRaw(_e, 'changes')) as _c
  )
  left array join if(_fast, _fs, JSONExtractArrayRaw(_c, 'value', 'statuses')) as _s
)"""


# A status parsed once into the fields the feed reads (a number where text is expected is read as its
# digits; a member missing or of another JSON type is '' or NULL).
STATUS_TYPE = (
    "Tuple(id String, status String, timestamp String, recipient_id String, recipient_type String, "
    "biz_opaque_callback_data String, errors Array(Tuple(code String, title String, message String)), "
    "pricing Tuple(billable Nullable(Bool), pricing_model String, category String), "
    "conversation Tuple(id String, expiration_timestamp String, origin Tuple(type String)))"
)


def validation_sql(tenant_id: str) -> str:
    """Stage 2: each status typed and checked."""
    known = ", ".join(META_STATUSES)
    said = q.shown("_t.status")
    ts, expires = "_t.timestamp", "_t.conversation.expiration_timestamp"
    has_errors = "notEmpty(_t.errors)"
    checks: list[tuple[str, str]] = [
        ("not startsWith(_raw_line, '{')", q.lit("statuses[] item is not a JSON object")),
        ("_t.id = ''", q.lit("status has no id (statuses[].id, the wamid of the message)")),
        (
            "status = ''",
            f"concat('status ', {said}, {q.lit(' is not a delivery status; expected one of ' + known)})",
        ),
        *q.epoch_checks("statuses[].timestamp", ts),
        ("_t.recipient_id = ''", q.lit("status has no recipient_id (statuses[].recipient_id)")),
        *q.epoch_checks("conversation.expiration_timestamp", expires, required_when="0"),
        (
            "isNull(_t.pricing.billable) and JSONHas(_raw_line, 'pricing', 'billable')",
            q.lit("pricing.billable is not true or false"),
        ),
    ]
    error = "_t.errors[1]"
    title = f"if({error}.title != '', {error}.title, {error}.message)"
    return f"""
select
  {q.lit(tenant_id)} as tenant_id,
  _t.id as provider_message_id,
  status,
  _t.status as provider_status,
  {q.epoch_value(ts, nullable=False)} as status_time,
  {m.mask_phone("_t.recipient_id")} as recipient_masked,
  if({has_errors}, {error}.code, NULL) as error_code,
  if({has_errors}, {m.mask_emails_in(title)}, NULL) as error_title,
  _waba as waba_id,
  _phone_id as phone_number_id,
  _t.recipient_type as recipient_type,
  nullIf(_t.pricing.category, '') as pricing_category,
  toNullable(toUInt8(_t.pricing.billable)) as pricing_billable,
  nullIf(_t.pricing.pricing_model, '') as pricing_model,
  nullIf(_t.conversation.id, '') as conversation_id,
  nullIf(_t.conversation.origin.type, '') as conversation_origin,
  {q.epoch_value(expires, nullable=True)} as conversation_expires_at,
  _t.biz_opaque_callback_data as callback_data,
  _source_line, _raw_line, _byte_offset, _byte_length,
  {q.reason(checks)} as _reason
from (
  select *, {m.normalised("_t.status", META_STATUSES)} as status
  from (select *, JSONExtract(_raw_line, {q.lit(STATUS_TYPE)}) as _t from {{prev}})
)"""


class WhatsAppStatusesReader:
    kind = "engine"

    def unit(self, path: Path) -> str:
        return "document" if path.suffix.lower() == ".json" else "lines"

    def rejection_sql(self, path: Path) -> str:
        return ""

    def select_sql(self, path: Path, context: LoadContext) -> list[str]:
        return [explode_sql(self.unit(path)), validation_sql(context.tenant_id)]
