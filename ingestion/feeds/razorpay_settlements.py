"""Razorpay settlement-recon reports: the CSV download and the JSON API form (`entity: collection`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingestion import parsers as p
from ingestion.csv_source import csv_records
from ingestion.feeds.base import Feed, LoadContext
from ingestion.records import FileRejected, Record, RowError
from ingestion.tables import RAZORPAY_SETTLEMENT_LINES

COLUMNS = [
    "entity_id", "type", "debit", "credit", "amount", "currency", "fee", "tax", "on_hold", "settled",
    "created_at", "settled_at", "settlement_id", "posted_at", "credit_type", "description", "notes",
    "payment_id", "settlement_utr", "order_id", "order_receipt", "method", "card_network", "card_issuer",
    "card_type", "dispute_id",
]  # fmt: skip
LINE_TYPES = ("payment", "refund", "adjustment", "transfer")
CURRENCIES = ("INR",)


def parse_line(f: dict[str, Any], tenant_id: str) -> dict[str, Any]:
    """One recon line (CSV fields or a JSON item, values as text) -> typed raw-table values."""
    line_type = p.text("type", f["type"]).lower()
    if line_type not in LINE_TYPES:
        raise RowError(f"column 'type' has {p.show(f['type'])}; expected one of {', '.join(LINE_TYPES)}")
    currency = p.text("currency", f["currency"]).upper()
    if currency not in CURRENCIES:
        raise RowError(f"column 'currency' has {p.show(f['currency'])}; only INR settlements are supported")
    settled = p.flag("settled", f["settled"])
    values: dict[str, Any] = {
        "tenant_id": tenant_id,
        "entity_id": p.text("entity_id", f["entity_id"], required=True),
        "type": line_type,
        "debit": p.paise("debit", f["debit"]),
        "credit": p.paise("credit", f["credit"]),
        "amount": p.paise("amount", f["amount"]),
        "currency": currency,
        "fee": p.paise("fee", f["fee"], required=False),
        "tax": p.paise("tax", f["tax"], required=False),
        "on_hold": p.flag("on_hold", f["on_hold"]),
        "settled": settled,
        "created_at": p.epoch("created_at", f["created_at"]),
        "settled_at": p.epoch("settled_at", f["settled_at"], required=bool(settled)),
        "settlement_id": p.text("settlement_id", f["settlement_id"], required=True),
        "posted_at": p.epoch("posted_at", f["posted_at"], required=False),
    }
    for column in COLUMNS:
        if column not in values:
            values[column] = p.text(column, f[column])
    if values["tax"] > values["fee"]:
        raise RowError(f"column 'tax' ({values['tax']}) exceeds 'fee' ({values['fee']}); fee includes tax")
    if line_type == "refund" and not values["payment_id"]:
        raise RowError("a refund line must name the original payment in 'payment_id'")
    return values


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

    def read(self, path: Path, context: LoadContext) -> Iterator[Record]:
        if path.suffix.lower() == ".json":
            yield from self._read_json(path, context)
        else:
            yield from csv_records(path, COLUMNS, lambda fields: parse_line(fields, context.tenant_id))

    def rejected_records(self, path: Path, after_line: int) -> Iterator[Record]:
        if path.suffix.lower() != ".json":
            yield from super().rejected_records(path, after_line)
            return
        document = path.read_bytes().decode("utf-8", errors="replace")
        if document.strip():
            yield Record(1, document)  # a JSON document is one input: it is kept whole

    def _read_json(self, path: Path, context: LoadContext) -> Iterator[Record]:
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
                yield Record.bad(number, raw, "item is not a JSON object")
                continue
            missing = [c for c in COLUMNS if c not in item]
            if missing:
                yield Record.bad(number, raw, f"item lacks field(s) {', '.join(missing)}")
                continue
            try:
                fields = {c: _as_text(item[c]) for c in COLUMNS}
                yield Record(number, raw, values=parse_line(fields, context.tenant_id))
            except RowError as exc:
                yield Record.bad(number, raw, str(exc))
