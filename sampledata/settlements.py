"""Razorpay settlement-recon lines: one settlement (id + UTR) per branch per settlement day."""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ingestion.feeds.razorpay_settlements.spec import SPEC as SETTLEMENTS_SPEC

from .clock import ist_midnight_s
from .model import CURRENCY, GST_BPS, MDR_BPS, Branch, IdFactory, Payment, Refund
from .money import apply_bps, floor_bps

HEADER = SETTLEMENTS_SPEC.header()  # the columns a Razorpay recon file carries, from the feed spec

ROUNDING_QUIRK_SHARE = 0.03  # lines whose fee/GST the gateway rounds down: off by <= 1 paisa, still matched
UTR_BANKS = ("UTIB", "ICIC", "YESB")


def contract_fee(amount: int, method: str) -> tuple[int, int]:
    """(MDR fee excl. GST, GST on it) exactly as the contract computes them."""
    mdr = apply_bps(amount, MDR_BPS[method])
    return mdr, apply_bps(mdr, GST_BPS)


@dataclass(frozen=True, slots=True)
class Orphan:
    """A payment at the gateway that no booking knows (e.g. a front-desk payment link)."""

    payment_id: str
    order_id: str
    amount: int
    method: str
    created_s: int
    card: tuple[str, str, str] | None = None


@dataclass(slots=True)
class Settlement:
    settlement_id: str
    utr: str
    day: int
    branch: Branch
    settled_at: int
    rows: list[list[object]] = field(default_factory=list)
    net: int = 0
    # (entity, gateway amount, total fee incl. GST, GST)
    payments: list[tuple[Payment, int, int, int]] = field(default_factory=list)
    refunds: list[tuple[Refund, int]] = field(default_factory=list)
    orphans: list[tuple[Orphan, int, int, int]] = field(default_factory=list)


class SettlementBuilder:
    def __init__(self, rng: random.Random, ids: IdFactory) -> None:
        self._rng = rng
        self._ids = ids
        self._utr_day = -1
        self._utr_seq = 0

    def _utr(self, day: int) -> str:
        if day != self._utr_day:
            self._utr_day, self._utr_seq = day, self._rng.randrange(1, 400)
        self._utr_seq += self._rng.randint(1, 37)
        return f"{self._rng.choice(UTR_BANKS)}N6{date.fromordinal(day):%Y%m%d}{self._utr_seq:05d}"

    def _gateway_fee(self, amount: int, method: str) -> tuple[int, int]:
        """(total fee incl. GST, GST) as the gateway charges them."""
        mdr, tax = contract_fee(amount, method)
        if self._rng.random() < ROUNDING_QUIRK_SHARE:
            mdr = floor_bps(amount, MDR_BPS[method])
            tax = floor_bps(mdr, GST_BPS)
        return mdr + tax, tax

    def build(
        self,
        day: int,
        branch: Branch,
        payments: list[Payment],
        refunds: list[Refund],
        orphans: list[Orphan],
        overrides: dict[str, tuple[int, int, int]],
    ) -> Settlement:
        """`overrides`: payment_id -> (gateway amount, total fee, tax) for injected mismatches."""
        rng = self._rng
        settled_at = ist_midnight_s(day) + 10 * 3600 + branch.index * 300 + rng.randrange(240)
        s = Settlement(self._ids.razorpay("setl_"), self._utr(day), day, branch, settled_at)
        keyed: list[tuple[int, str, list[object]]] = []
        for p in payments:
            override = overrides.get(p.payment_id)
            if override is not None:
                amount, fee, tax = override
            else:
                amount = p.amount
                fee, tax = self._gateway_fee(amount, p.method)
            s.payments.append((p, amount, fee, tax))
            created = p.captured_ms // 1000
            row = self._row(s, p.payment_id, "payment", 0, amount - fee, amount, fee, tax, created)
            row[15] = f"Consultation {p.purpose}"
            self._describe(row, p)
            keyed.append((created, p.payment_id, row))
        for r in refunds:
            s.refunds.append((r, r.amount))
            created = r.initiated_ms // 1000
            row = self._row(s, r.refund_id, "refund", r.amount, 0, r.amount, 0, 0, created)
            row[15] = "Refund for cancelled appointment"
            row[17] = r.payment.payment_id
            self._describe(row, r.payment)
            keyed.append((created, r.refund_id, row))
        for o in orphans:
            fee, tax = self._gateway_fee(o.amount, o.method)
            s.orphans.append((o, o.amount, fee, tax))
            row = self._row(s, o.payment_id, "payment", 0, o.amount - fee, o.amount, fee, tax, o.created_s)
            row[15] = "Payment link"
            row[16] = json.dumps({"booking_id": "", "branch_id": branch.branch_id})
            row[19], row[21] = o.order_id, o.method
            if o.card is not None:
                row[22], row[23], row[24] = o.card
            keyed.append((o.created_s, o.payment_id, row))
        keyed.sort(key=lambda k: (k[0], k[1]))
        s.rows = [row for _, _, row in keyed]
        s.net = (
            sum(amount - fee for _, amount, fee, _ in s.payments)
            + sum(amount - fee for _, amount, fee, _ in s.orphans)
            - sum(amount for _, amount in s.refunds)
        )
        return s

    @staticmethod
    def _row(
        s: Settlement,
        entity_id: str,
        kind: str,
        debit: int,
        credit: int,
        amount: int,
        fee: int,
        tax: int,
        created: int,
    ) -> list[object]:
        return [
            entity_id, kind, debit, credit, amount, CURRENCY, fee, tax, 0, 1,
            created, s.settled_at, s.settlement_id, s.settled_at, "default", "", "",
            "", s.utr, "", "", "", "", "", "", "",
        ]  # fmt: skip

    @staticmethod
    def _describe(row: list[object], p: Payment) -> None:
        row[16] = json.dumps({"booking_id": p.booking_id, "branch_id": p.branch.branch_id})
        row[19] = p.order_id
        row[20] = f"{p.booking_id}/{p.purpose}"
        row[21] = p.method
        if p.card is not None:
            row[22], row[23], row[24] = p.card


class SettlementFile:
    """One CSV per settlement day holding every branch's settlement of that day."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._fh, lineterminator="\n")
        self._writer.writerow(HEADER)
        self.lines = 0

    def write(self, settlement: Settlement) -> None:
        self._writer.writerows(settlement.rows)
        self.lines += len(settlement.rows)

    def close(self) -> None:
        self._fh.close()
