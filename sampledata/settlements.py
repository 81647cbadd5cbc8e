"""Razorpay settlement-recon lines: one settlement (id + UTR) per branch per settlement day."""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ingestion.feeds.razorpay_settlements.spec import SPEC as SETTLEMENTS_SPEC

from .clock import ist_midnight_s, ist_text
from .model import CURRENCY, GST_BPS, MDR_BPS, Branch, IdFactory, Payment, Refund
from .money import apply_bps, floor_bps, rupees

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
        *,
        settlement_id: str = "",
    ) -> Settlement:
        """`overrides`: payment_id -> (gateway amount, total fee, tax) for injected mismatches;
        `settlement_id`: another gateway's id for the settlement (default: a Razorpay `setl_…` id)."""
        rng = self._rng
        settled_at = ist_midnight_s(day) + 10 * 3600 + branch.index * 300 + rng.randrange(240)
        s = Settlement(settlement_id or self._ids.razorpay("setl_"), self._utr(day), day, branch, settled_at)
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


SETTLEMENT_PROFILES = ("recon_csv", "dashboard_csv", "api_json")
# A Razorpay Dashboard download lacks posted_at and credit_type and adds these (ignored by the loader).
DASHBOARD_DROPS = ("posted_at", "credit_type")
DASHBOARD_ADDS = {"payment_id": "arn", "method": "upi_flow", "dispute_id": "additional_utr"}
AMOUNTS = ("debit", "credit", "amount", "fee", "tax")
TIMES = ("created_at", "settled_at", "posted_at")
FLAGS = ("on_hold", "settled")


def _ist_text(epoch_s: object) -> str:
    return "" if epoch_s in ("", None) else ist_text(int(str(epoch_s)))


class SettlementFile:
    """One file per settlement day holding every branch's settlement of that day, in one of the formats
    Razorpay delivers (ingestion/feeds/razorpay_settlements/profiles.py):
    - `recon_csv`: the recon API's items as CSV (paise, epoch seconds);
    - `dashboard_csv`: the Dashboard's download (rupees, IST date-times, no posted_at/credit_type, three
      extra columns, and a `type=settlement` summary row per settlement);
    - `api_json`: the recon API's JSON collection (numbers, booleans, null for absent values, notes as an
      object)."""

    def __init__(self, path: Path, profile: str = "recon_csv") -> None:
        if profile not in SETTLEMENT_PROFILES:
            raise ValueError(f"unknown settlement profile {profile!r}; expected one of {SETTLEMENT_PROFILES}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.profile = profile
        self.path = path.with_suffix(".json") if profile == "api_json" else path
        self.lines = 0
        self._items: list[dict[str, object]] = []
        if profile != "api_json":
            self._fh = self.path.open("w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._fh, lineterminator="\n")
            self._writer.writerow(self._dashboard_header() if profile == "dashboard_csv" else HEADER)

    @staticmethod
    def _dashboard_header() -> list[str]:
        header: list[str] = []
        for name in HEADER:
            if name not in DASHBOARD_DROPS:
                header.append(name)
            if name in DASHBOARD_ADDS:
                header.append(DASHBOARD_ADDS[name])
        return header

    def write(self, settlement: Settlement) -> None:
        rows = [dict(zip(HEADER, row, strict=True)) for row in settlement.rows]
        if self.profile == "recon_csv":
            self._writer.writerows(settlement.rows)
        elif self.profile == "dashboard_csv":
            for row in [*rows, self._summary(settlement)]:
                shown = {
                    k: rupees(int(str(v))) if k in AMOUNTS else _ist_text(v) if k in TIMES else v
                    for k, v in row.items()
                }
                self._writer.writerow([shown.get(name, "") for name in self._dashboard_header()])
        else:
            self._items += [self._item(row) for row in rows]
        self.lines += len(settlement.rows) + (self.profile == "dashboard_csv")

    @staticmethod
    def _summary(s: Settlement) -> dict[str, object]:
        """The Dashboard's summary row of a whole settlement (not a line of money)."""
        return {
            "entity_id": s.settlement_id, "type": "settlement", "debit": max(-s.net, 0),
            "credit": max(s.net, 0), "amount": abs(s.net), "currency": CURRENCY, "fee": 0, "tax": 0,
            "on_hold": 0, "settled": 1, "created_at": s.settled_at, "settled_at": s.settled_at,
            "settlement_id": s.settlement_id, "description": "settlement", "settlement_utr": s.utr,
        }  # fmt: skip

    @staticmethod
    def _item(row: dict[str, object]) -> dict[str, object]:
        item: dict[str, object] = {}
        for name, value in row.items():
            if name in FLAGS:
                item[name] = bool(int(str(value)))
            elif name in AMOUNTS or (name in TIMES and value != ""):
                item[name] = int(str(value))
            elif name == "notes":
                item[name] = json.loads(str(value)) if value else {}
            else:
                item[name] = value if value != "" else None
        return item

    def close(self) -> None:
        if self.profile == "api_json":
            collection = {"entity": "collection", "count": len(self._items), "items": self._items}
            self.path.write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
        else:
            self._fh.close()


# Cashfree's Settlement Recon report, transaction details, as the Dashboard names its columns
# (ingestion/feeds/gateway_settlements/profiles.py CASHFREE_RECON reads it).
CASHFREE_HEADER = (
    "Event ID", "Event Type", "Sale Type", "Event Currency", "Event Time", "Event Status", "Event Amount",
    "Event Settlement Amount", "Payment Service Charge", "Payment Service Tax", "Order ID", "CF Payment ID",
    "CF Settlement ID", "Settlement UTR", "Settlement Date",
)  # fmt: skip
CASHFREE_DIR = "settlements/cashfree"


class CashfreeSettlementFile:
    """One Cashfree Settlement Recon report per settlement day (rupees, IST times, CREDIT/DEBIT)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._fh, lineterminator="\n")
        self._writer.writerow(CASHFREE_HEADER)
        self.lines = 0

    def write(self, settlement: Settlement) -> None:
        for row in (dict(zip(HEADER, r, strict=True)) for r in settlement.rows):
            fee, tax = int(str(row["fee"])), int(str(row["tax"]))
            credit, debit = int(str(row["credit"])), int(str(row["debit"]))
            self._writer.writerow(
                [
                    row["entity_id"], str(row["type"]).upper(), "CREDIT" if credit >= debit else "DEBIT",
                    row["currency"], _ist_text(row["created_at"]), "SUCCESS", rupees(int(str(row["amount"]))),
                    rupees(max(credit, debit)), rupees(fee - tax), rupees(tax), row["order_id"],
                    row["entity_id"] if row["type"] == "payment" else row["payment_id"],
                    row["settlement_id"], row["settlement_utr"], _ist_text(row["settled_at"]),
                ]
            )  # fmt: skip
            self.lines += 1

    def close(self) -> None:
        self._fh.close()
