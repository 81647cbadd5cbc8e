"""Razorpay settlement-recon reports: the CSV download and the JSON API form (`entity: collection`).

A large feed: rows are split into text in Python and cast and validated in the warehouse, one query per
file, so both forms share one set of rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingestion import sql_checks as q
from ingestion.csv_source import read_csv
from ingestion.feeds.base import Feed, LoadContext
from ingestion.records import FileRejected, Record, TextRecord
from ingestion.tables import RAZORPAY_SETTLEMENT_LINES

COLUMNS = [
    "entity_id", "type", "debit", "credit", "amount", "currency", "fee", "tax", "on_hold", "settled",
    "created_at", "settled_at", "settlement_id", "posted_at", "credit_type", "description", "notes",
    "payment_id", "settlement_utr", "order_id", "order_receipt", "method", "card_network", "card_issuer",
    "card_type", "dispute_id",
]  # fmt: skip
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
        f"select {q.lit(tenant_id)} as tenant_id,\n  {select},\n  _source_line, _raw_line,\n"
        f"  {q.reason(checks)} as _reason\n"
        f"from (select _source_line, _raw_line, _problem, {trimmed} from {{text}})"
    )


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


class RazorpaySettlementsFeed(Feed):
    name = "razorpay_settlements"
    table = RAZORPAY_SETTLEMENT_LINES
    folder = "settlements/razorpay"
    patterns = ("*.csv", "*.json")

    def text_columns(self, path: Path) -> list[str]:
        return COLUMNS

    def validation_sql(self, path: Path, context: LoadContext) -> str:
        return _validation_sql(context.tenant_id)

    def read_text(self, path: Path, context: LoadContext) -> Iterator[TextRecord]:
        if path.suffix.lower() == ".json":
            yield from self._read_json(path)
            return
        for row in read_csv(path, COLUMNS):
            yield TextRecord(row.line, row.raw, row.fields, row.problem)

    def rejected_records(self, path: Path, after_line: int) -> Iterator[Record]:
        if path.suffix.lower() != ".json":
            yield from super().rejected_records(path, after_line)
            return
        document = path.read_bytes().decode("utf-8", errors="replace")
        if document.strip():
            yield Record(1, document)  # a JSON document is one input: it is kept whole

    def _read_json(self, path: Path) -> Iterator[TextRecord]:
        try:
            document = json.loads(path.read_bytes().decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FileRejected(f"not valid JSON: {exc}") from None
        if not (
            isinstance(document, dict)
            and document.get("entity") == "collection"
            and isinstance(document.get("items"), list)
        ):
            raise FileRejected(
                'JSON is not a Razorpay settlement recon collection: expected {"entity": "collection", '
                '"items": [...]}'
            )
        for number, item in enumerate(document["items"], start=1):
            raw = json.dumps(item, sort_keys=True, ensure_ascii=False)
            if not isinstance(item, dict):
                yield TextRecord(number, raw, problem="item is not a JSON object")
                continue
            missing = [c for c in COLUMNS if c not in item]
            if missing:
                yield TextRecord(number, raw, problem=f"item lacks field(s) {', '.join(missing)}")
                continue
            yield TextRecord(number, raw, tuple(_as_text(item[c]) for c in COLUMNS))
