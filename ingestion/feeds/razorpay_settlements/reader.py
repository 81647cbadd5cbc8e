"""Razorpay settlement-recon reports: the CSV download and the JSON API form (`entity: collection`).

An engine feed: ClickHouse reads the file's bytes, splits CSV lines (or the JSON document's items) into
text fields, and casts and validates them in one query per file, so both forms share one set of rules.
"""

from __future__ import annotations

from pathlib import Path

from ingestion import sql_checks as q
from ingestion.engine_sql import csv_fields_sql, csv_header, require_columns
from ingestion.feeds.base import LoadContext
from ingestion.feeds.razorpay_settlements.spec import SPEC

COLUMNS = list(SPEC.header())
LINE_TYPES = ("payment", "refund", "adjustment", "transfer")
AMOUNTS = ("debit", "credit", "amount", "fee", "tax")
FLAGS = ("on_hold", "settled")
TIMES = ("created_at", "settled_at", "posted_at")


def _validation_sql(tenant_id: str) -> str:
    v = {c: f"v_{c}" for c in COLUMNS}
    checks: list[tuple[str, str]] = [
        (
            f"lower({v['type']}) not in {q.one_of(LINE_TYPES)}",
            f"concat('column ''type'' has ', {q.shown(v['type'])}, '; expected one of {', '.join(LINE_TYPES)}')",
        ),
        (
            f"upper({v['currency']}) != 'INR'",
            f"concat('column ''currency'' has ', {q.shown(v['currency'])}, '; only INR settlements are supported')",
        ),
        q.required_text("entity_id", v["entity_id"]),
    ]
    for column in AMOUNTS:
        checks += q.paise_checks(column, v[column], required=column not in ("fee", "tax"))
    for column in FLAGS:
        checks += q.flag_checks(column, v[column])
    checks += q.epoch_checks("created_at", v["created_at"])
    checks += q.epoch_checks("settled_at", v["settled_at"], required_when=q.flag_value(v["settled"]))
    checks += q.epoch_checks("posted_at", v["posted_at"], required_when="0")
    checks += [
        q.required_text("settlement_id", v["settlement_id"]),
        (
            f"toInt64OrZero({v['tax']}) > toInt64OrZero({v['fee']})",
            f"concat('column ''tax'' (', {v['tax']}, ') exceeds ''fee'' (', {v['fee']}, '); fee includes tax')",
        ),
        (
            f"lower({v['type']}) = 'refund' and {v['payment_id']} = ''",
            q.lit("a refund line must name the original payment in 'payment_id'"),
        ),
    ]
    typed = {c: v[c] for c in COLUMNS}
    typed |= {c: q.paise_value(v[c]) for c in AMOUNTS}
    typed |= {c: q.flag_value(v[c]) for c in FLAGS}
    typed |= {
        "type": f"lower({v['type']})",
        "currency": f"upper({v['currency']})",
        "created_at": q.epoch_value(v["created_at"], nullable=False),
        "settled_at": q.epoch_value(v["settled_at"], nullable=True),
        "posted_at": q.epoch_value(v["posted_at"], nullable=True),
    }
    select = ",\n  ".join(f"{expr} as `{c}`" for c, expr in typed.items())
    trimmed = ", ".join(f"trimBoth(`{c}`) as {v[c]}" for c in COLUMNS)
    return (
        f"select {q.lit(tenant_id)} as tenant_id,\n  {select},\n  _source_line, _raw_line, _byte_offset, _byte_length,\n"
        f"  {q.reason(checks)} as _reason\n"
        f"from (select _source_line, _raw_line, _byte_offset, _byte_length, _problem, {trimmed} from {{text}})"
    )


def _json_value(unit: str, column: str) -> str:
    """A JSON item's field as the text a CSV would carry: strings as they are, null as '', true/false as
    1/0, numbers and objects as their JSON text."""
    kind = f"toString(JSONType({unit}, {q.lit(column)}))"
    return (
        f"multiIf({kind} in ('Null', ''), '', {kind} = 'String', JSONExtractString({unit}, {q.lit(column)}), "
        f"{kind} = 'Bool', toString(toUInt8(JSONExtractBool({unit}, {q.lit(column)}))), "
        f"JSONExtractRaw({unit}, {q.lit(column)}))"
    )


COLLECTION = (
    'JSON is not a Razorpay settlement recon collection: expected {"entity": "collection", "items": [...]}'
)


def _json_items_sql() -> str:
    wanted = "[" + ", ".join(q.lit(c) for c in COLUMNS) + "]"
    values = ",\n    ".join(f"{_json_value('_unit', c)} as `{c}`" for c in COLUMNS)
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


class RazorpaySettlementsReader:
    kind = "engine"

    def unit(self, path: Path) -> str:
        return "document" if path.suffix.lower() == ".json" else "lines"

    def rejection_sql(self, path: Path) -> str:
        """SELECT over `{document}` giving why the whole file can't be read ('' when it can)."""
        if self.unit(path) == "lines":
            return ""
        return (
            "select multiIf(not isValidJSON(content), 'not valid JSON (truncated or malformed)', "
            "JSONExtractString(content, 'entity') != 'collection' "
            "or toString(JSONType(content, 'items')) != 'Array', "
            f"{q.lit(COLLECTION)}, '') from {{document}}"
        )

    def select_sql(self, path: Path, context: LoadContext) -> list[str]:
        """Two stages: the records split into text fields, then those cast and validated."""
        if self.unit(path) == "document":
            text = _json_items_sql()
        else:
            header_line, header = csv_header(path)
            require_columns(header, COLUMNS)
            text = csv_fields_sql("{lines}", header_line, header, COLUMNS)
        return [f"select * from {text}", _validation_sql(context.tenant_id).replace("{text}", "{prev}")]
