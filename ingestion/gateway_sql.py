"""SQL that reads a gateway's settlement lines as one of its profiles writes them (gateway_profiles.py).

Two stages per file: the records split into text fields named by the canonical fields (`csv_fields` or
`json_items`), then `validation_sql` casting amounts (paise or rupees) and times (epoch, IST text, ISO 8601)
to the raw table's types and giving each line a `_reason` naming the field and the value.
"""

from __future__ import annotations

from ingestion import sql_checks as q
from ingestion.engine_sql import csv_fields_sql
from ingestion.gateway_profiles import AMOUNT_FIELDS, CANONICAL_FIELDS, GatewayProfile, normalise

COLUMNS = list(CANONICAL_FIELDS)
LINE_TYPES = ("payment", "refund", "adjustment", "transfer")
FLAGS = ("on_hold", "settled")
DIRECTIONS = ("CREDIT", "DEBIT")


def validation_sql(profile: GatewayProfile, leading: dict[str, str]) -> str:
    """Cast and check the text fields of `{text}` (canonical names, plus `_direction`/`_net` for formats
    with one net amount) as `profile` writes them. `leading`: columns before the canonical ones, each a
    constant for the whole file (the tenant, the gateway…)."""
    v = {c: f"v_{c}" for c in COLUMNS}
    line_types = LINE_TYPES + profile.summary_types
    mapped = list(profile.type_values.items())
    line_type = (
        f"transform(lower({v['type']}), {[k for k, _ in mapped]}, {[t for _, t in mapped]}, lower({v['type']}))"
        if mapped
        else f"lower({v['type']})"
    )
    unit, times = profile.amount_unit, profile.time_format
    checks: list[tuple[str, str]] = [
        (
            f"{line_type} not in {q.one_of(line_types)}",
            f"concat('column ''type'' has ', {q.shown(v['type'])}, '; expected one of {', '.join(line_types)}')",
        ),
        (
            f"upper({v['currency']}) != 'INR'",
            f"concat('column ''currency'' has ', {q.shown(v['currency'])}, '; only INR settlements are supported')",
        ),
        q.required_text("entity_id", v["entity_id"]),
    ]
    if profile.direction_column:
        checks.append(
            (
                f"upper(v__direction) not in {q.one_of(DIRECTIONS)}",
                f"concat({q.lit(f'column {profile.direction_column!r} has ')}, {q.shown('v__direction')}, "
                "'; expected CREDIT or DEBIT')",
            )
        )
    for column in AMOUNT_FIELDS:
        checks += q.amount_checks(column, v[column], unit, required=column not in ("fee", "tax"))
    for column in FLAGS:
        checks += q.flag_checks(column, v[column])
    checks += q.time_checks("created_at", v["created_at"], times)
    checks += q.time_checks("settled_at", v["settled_at"], times, required_when=q.flag_value(v["settled"]))
    checks += q.time_checks("posted_at", v["posted_at"], times, required_when="0")
    fee = q.amount_value(v["fee"], unit)
    tax = q.amount_value(v["tax"], unit)
    checks += [
        q.required_text("settlement_id", v["settlement_id"]),
        (
            f"{profile.fee_includes_tax:d} and {tax} > {fee}",
            f"concat('column ''tax'' (', {v['tax']}, ') exceeds ''fee'' (', {v['fee']}, '); fee includes tax')",
        ),
        (
            f"{line_type} = 'refund' and {v['payment_id']} = ''",
            q.lit("a refund line must name the original payment in 'payment_id'"),
        ),
    ]
    typed = {c: v[c] for c in COLUMNS}
    typed |= {c: q.amount_value(v[c], unit) for c in AMOUNT_FIELDS}
    typed |= {c: q.flag_value(v[c]) for c in FLAGS}
    typed |= {
        "type": line_type,
        "currency": f"upper({v['currency']})",
        "fee": fee if profile.fee_includes_tax else f"({fee} + {tax})",
        "created_at": q.time_value(v["created_at"], times, nullable=False),
        "settled_at": q.time_value(v["settled_at"], times, nullable=True),
        "posted_at": q.time_value(v["posted_at"], times, nullable=True),
    }
    select = ",\n  ".join(f"{expr} as `{c}`" for c, expr in typed.items())
    constants = "".join(f"{q.lit(value)} as `{name}`,\n  " for name, value in leading.items())
    trimmed = []
    for c in COLUMNS:
        if c in profile.constants:
            trimmed.append(f"{q.lit(profile.constants[c])} as {v[c]}")
        elif profile.direction_column and c in ("credit", "debit"):
            trimmed.append(
                f"if(upper(trimBoth(_direction)) = {q.lit(c.upper())}, trimBoth(_net), '0') as {v[c]}"
            )
        else:
            trimmed.append(f"trimBoth(`{c}`) as {v[c]}")
    if profile.direction_column:
        trimmed.append("trimBoth(_direction) as v__direction")
    return (
        f"select {constants}{select},\n  _source_line, _raw_line, _byte_offset, _byte_length,\n"
        f"  {q.reason(checks)} as _reason\n"
        f"from (select _source_line, _raw_line, _byte_offset, _byte_length, _problem, {', '.join(trimmed)} from {{text}})"
    )


def picks(profile: GatewayProfile) -> list[tuple[str, str]]:
    """(canonical field, the file's column) for every field the fields stage reads ('' when unmapped)."""
    picks = [(c, profile.file_column(c)) for c in COLUMNS]
    if profile.direction_column:
        picks += [
            ("_direction", normalise(profile.direction_column)),
            ("_net", normalise(profile.net_column)),
        ]
    return picks


def _json_value(unit: str, key: str) -> str:
    """A JSON item's field as the text a CSV would carry: strings as they are, null or absent as '',
    true/false as 1/0, numbers and objects as their JSON text."""
    if not key:
        return "''"
    kind = f"toString(JSONType({unit}, {q.lit(key)}))"
    return (
        f"multiIf({kind} in ('Null', ''), '', {kind} = 'String', JSONExtractString({unit}, {q.lit(key)}), "
        f"{kind} = 'Bool', toString(toUInt8(JSONExtractBool({unit}, {q.lit(key)}))), "
        f"JSONExtractRaw({unit}, {q.lit(key)}))"
    )


def csv_fields(header_line: int, header: list[str], profile: GatewayProfile) -> str:
    """The first stage for a CSV file: its data lines split into the profile's fields."""
    return csv_fields_sql("{lines}", header_line, [normalise(h) for h in header], picks(profile))


def json_items(profile: GatewayProfile) -> str:
    keys = dict(_raw_keys(profile))
    required = [keys[c] for c in profile.columns if c not in profile.optional]
    wanted = "[" + ", ".join(q.lit(k) for k in required) + "]"
    values = ",\n    ".join(f"{_json_value('_unit', keys.get(c, ''))} as `{c}`" for c, _ in picks(profile))
    return f"""(
  select n as _source_line, _unit as _raw_line, toUInt64(0) as _byte_offset, length(_unit) as _byte_length,
    multiIf(
      toString(JSONType(_unit)) != 'Object', 'item is not a JSON object',
      notEmpty(_missing), concat('item lacks field(s) ', arrayStringConcat(_missing, ', ')),
      '') as _problem,
    {values}
  from (
    select _unit, n, arrayFilter(c -> not JSONHas(_unit, c), {wanted}) as _missing
    from (select JSONExtractArrayRaw(content, 'items') as _items from {{document}})
    array join _items as _unit, arrayEnumerate(_items) as n
  )
)"""


def _raw_keys(profile: GatewayProfile) -> list[tuple[str, str]]:
    """(canonical field, the JSON item's key) as the profile names them (JSON keys are not normalised)."""
    keys = list(profile.columns.items())
    if profile.direction_column:
        keys += [("_direction", profile.direction_column), ("_net", profile.net_column)]
    return keys
