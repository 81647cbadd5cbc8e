"""Expected reconciliation statuses and totals, computed with the rules of docs/reconciliation.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from .model import GST_BPS
from .money import apply_bps

DUPLICATE_PAYMENT = "duplicate_payment"
IN_TRANSIT = "in_transit"
SETTLEMENT_OVERDUE = "settlement_overdue"
AMOUNT_MISMATCH = "amount_mismatch"
FEE_MISMATCH = "fee_mismatch"
BANK_UNMATCHED = "bank_unmatched"
MATCHED = "matched"
ORPHAN_GATEWAY_LINE = "orphan_gateway_line"
STATUS_ORDER = (
    DUPLICATE_PAYMENT, IN_TRANSIT, SETTLEMENT_OVERDUE, AMOUNT_MISMATCH, FEE_MISMATCH, BANK_UNMATCHED, MATCHED,
    ORPHAN_GATEWAY_LINE,
)  # fmt: skip


def payment_status(
    *,
    is_duplicate: bool,
    line: tuple[int, int, int] | None,
    booked: int,
    age_days: int,
    settlement_days: int,
    mdr_bps: int,
    bank_ok: bool,
) -> str:
    """`line` is the gateway's (amount, total fee incl. GST, GST) when the payment is settled."""
    if is_duplicate:
        return DUPLICATE_PAYMENT
    if line is None:
        return IN_TRANSIT if age_days <= settlement_days else SETTLEMENT_OVERDUE
    amount, fee, tax = line
    if amount != booked:
        return AMOUNT_MISMATCH
    expected_fee = apply_bps(amount, mdr_bps)
    expected_tax = apply_bps(expected_fee, GST_BPS)
    if abs((fee - tax) - expected_fee) > 1 or abs(tax - expected_tax) > 1:
        return FEE_MISMATCH
    return MATCHED if bank_ok else BANK_UNMATCHED


def refund_status(
    *, line: tuple[int, int, int] | None, amount: int, age_days: int, refund_sla_days: int, bank_ok: bool
) -> str:
    if line is None:
        return IN_TRANSIT if age_days <= refund_sla_days else SETTLEMENT_OVERDUE
    gateway_amount, fee, tax = line
    if gateway_amount != amount:
        return AMOUNT_MISMATCH
    if fee != 0 or tax != 0:
        return FEE_MISMATCH
    return MATCHED if bank_ok else BANK_UNMATCHED


class OneLinePerItem:
    """A section member too long to indent: its items (a dict's members, a list's elements) a line each."""

    def __init__(self, items: dict | list) -> None:
        self.items = items

    def text(self) -> str:
        if not self.items:
            return json.dumps(self.items)
        if isinstance(self.items, dict):
            lines = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in self.items.items()]
            return "{\n  " + ",\n  ".join(lines) + "\n}"
        return "[\n  " + ",\n  ".join(json.dumps(v) for v in self.items) + "\n]"


def section_text(value: object) -> str:
    """`json.dumps(value, indent=2)`, but each `OneLinePerItem` member of a dict one item a line."""
    if not isinstance(value, dict) or not any(isinstance(v, OneLinePerItem) for v in value.values()):
        return json.dumps(value, indent=2)
    members = [
        f"{json.dumps(k)}: {v.text() if isinstance(v, OneLinePerItem) else json.dumps(v, indent=2)}"
        for k, v in value.items()
    ]
    return "{\n  " + ",\n  ".join(m.replace("\n", "\n  ") for m in members) + "\n}"


class GroundTruth:
    """Streams `expected_statuses` to a scratch file and accumulates `expected_totals`."""

    def __init__(self, scratch: Path) -> None:
        self._scratch = scratch
        self._fh: TextIO = scratch.open("w", encoding="utf-8", newline="\n")
        self._first = True
        self.by_status: dict[str, list[int]] = {}
        self.watch: dict[str, str] = {}  # entity id -> status an injected anomaly expects
        self.entities = 0
        self.payments_captured = 0
        self.booked_amount = 0
        self.gateway_gross = 0
        self.gateway_fee = 0
        self.gateway_tax = 0
        self.gateway_refund = 0
        self.net_settled = 0
        self.bank_credited = 0

    def record(
        self, entity_id: str, status: str, *, booked: int, gateway_amount: int, is_payment: bool
    ) -> None:
        expected = self.watch.pop(entity_id, None)
        if expected is not None and expected != status:
            raise RuntimeError(
                f"generator bug: {entity_id} was injected as {expected} but reconciles as {status}"
            )
        self._fh.write(f'{"" if self._first else ","}\n    "{entity_id}": "{status}"')
        self._first = False
        self.entities += 1
        totals = self.by_status.get(status)
        if totals is None:
            totals = self.by_status[status] = [0, 0, 0]
        totals[0] += 1
        totals[1] += booked
        totals[2] += gateway_amount
        if is_payment:
            self.payments_captured += 1
            self.booked_amount += booked

    def add_line(self, kind: str, amount: int, fee: int, tax: int, credit: int, debit: int) -> None:
        if kind == "payment":
            self.gateway_gross += amount
        elif kind == "refund":
            self.gateway_refund += amount
        self.gateway_fee += fee - tax
        self.gateway_tax += tax
        self.net_settled += credit - debit

    def totals(self) -> dict:
        by_status = {
            status: {
                "count": self.by_status[status][0],
                "booked_amount_paise": self.by_status[status][1],
                "gateway_amount_paise": self.by_status[status][2],
            }
            for status in STATUS_ORDER
            if status in self.by_status
        }
        return {
            "by_status": by_status,
            "payments_captured": self.payments_captured,
            "booked_amount_paise": self.booked_amount,
            "gateway_gross_paise": self.gateway_gross,
            "gateway_fee_paise": self.gateway_fee,
            "gateway_tax_paise": self.gateway_tax,
            "gateway_refund_paise": self.gateway_refund,
            "net_settled_paise": self.net_settled,
            "bank_credited_paise": self.bank_credited,
        }

    def write(self, path: Path, header: dict, anomalies: list[dict], sections: dict | None = None) -> None:
        """Write ground_truth.json: header keys, anomalies, expected_statuses, expected_totals, then
        `sections` (e.g. `adt`), each indented (a `OneLinePerItem` member one item a line)."""
        if self.watch:
            raise RuntimeError(
                f"generator bug: injected anomalies never reconciled: {sorted(self.watch)[:5]}"
            )
        self._fh.close()
        with path.open("w", encoding="utf-8", newline="\n") as out:
            out.write("{\n")
            for key, value in header.items():
                out.write(f"  {json.dumps(key)}: {json.dumps(value)},\n")
            out.write('  "anomalies": [')
            out.write(",".join(f"\n    {json.dumps(a)}" for a in anomalies))
            out.write("\n  ],\n" if anomalies else "],\n")
            out.write('  "expected_statuses": {')
            with self._scratch.open(encoding="utf-8") as scratch:
                while chunk := scratch.read(1 << 20):
                    out.write(chunk)
            out.write("\n  },\n" if self.entities else "},\n")
            totals = json.dumps(self.totals(), indent=2).replace("\n", "\n  ")
            out.write(f'  "expected_totals": {totals}')
            for key, value in (sections or {}).items():
                text = section_text(value).replace("\n", "\n  ")
                out.write(f",\n  {json.dumps(key)}: {text}")
            out.write("\n}\n")
        self._scratch.unlink()

    def abort(self) -> None:
        self._fh.close()
        self._scratch.unlink(missing_ok=True)
