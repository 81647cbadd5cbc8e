"""Fixtures and an independent reader/reconciler of the generator's output (docs/reconciliation.md)."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from sampledata import write_sample

IST = timezone(timedelta(hours=5, minutes=30))
# sizes at the edges (one day, no bookings, many branches, a month end) every generator test can run
EDGE_SIZES = [
    {"branches": 1, "days": 1, "bookings_per_branch_day": 5},
    {"branches": 1, "days": 3, "bookings_per_branch_day": 0},
    {"branches": 13, "days": 4, "bookings_per_branch_day": 2},
    {"branches": 2, "days": 10, "bookings_per_branch_day": 3, "start": date(2027, 2, 25)},
]
UTR_RE = re.compile(r"^[A-Z]{4}[0-9A-Z][0-9]{6,17}$")


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The default sample (seed 42, 3 branches, 30 days, 20 bookings per branch per day)."""
    out = tmp_path_factory.mktemp("sample")
    calls: list[tuple[int, int]] = []
    summary = write_sample(out, progress=lambda done, total: calls.append((done, total)))
    summary["_progress_calls"] = calls
    return out, summary


@pytest.fixture(scope="session")
def data(sample: tuple[Path, dict]) -> SampleData:
    return SampleData.load(sample[0])


def paise(text: str) -> int:
    """A rupee string (`1234.50`, `1,234.50`, empty) as integer paise, without floats."""
    text = text.replace(",", "").strip()
    if not text:
        return 0
    sign = -1 if text.startswith("-") else 1
    whole, _, frac = text.lstrip("-").partition(".")
    return sign * (int(whole) * 100 + int(frac.ljust(2, "0")[:2]))


def ist_date_of_rfc3339(text: str) -> date:
    return datetime.fromisoformat(text).astimezone(IST).date()


def ist_date_of_epoch(seconds: int) -> date:
    return datetime.fromtimestamp(seconds, UTC).astimezone(IST).date()


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


@dataclass
class SampleData:
    root: Path
    events: list[dict] = field(default_factory=list)
    event_files: dict[str, list[dict]] = field(default_factory=dict)
    lines: list[dict[str, str]] = field(default_factory=list)
    bank: list[dict[str, str]] = field(default_factory=list)
    contract: dict[str, dict[str, str]] = field(default_factory=dict)
    truth: dict = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> SampleData:
        d = cls(root)
        for path in sorted((root / "events").glob("*.ndjson")):
            evs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            d.event_files[path.name] = evs
            d.events.extend(evs)
        for path in sorted((root / "settlements" / "razorpay").glob("*.csv")):
            _, rows = read_csv(path)
            for row in rows:
                row["_file"] = path.name
            d.lines.extend(rows)
        for path in sorted((root / "bank").glob("*.csv")):
            d.bank.extend(read_csv(path)[1])
        d.contract = {r["method"]: r for r in read_csv(root / "reference" / "gateway_contract.csv")[1]}
        d.truth = json.loads((root / "ground_truth.json").read_text(encoding="utf-8"))
        return d

    def of_type(self, *types: str) -> list[dict]:
        return [e for e in self.events if e["type"] in types]

    def settlement_utrs(self) -> dict[str, str]:
        return {r["settlement_id"]: r["settlement_utr"] for r in self.lines}

    def bank_credits_by_utr(self) -> dict[str, list[int]]:
        utrs = set(self.settlement_utrs().values())
        found: dict[str, list[int]] = defaultdict(list)
        for row in self.bank:
            credit = paise(row["credit"])
            if not credit:
                continue
            for token in re.split(r"[\s\-]+", row["narration"]):
                if token in utrs:
                    found[token].append(credit)
        return found

    def as_of(self) -> date:
        dates = [ist_date_of_rfc3339(e["time"]) for e in self.events]
        dates += [ist_date_of_epoch(int(r["settled_at"])) for r in self.lines]
        dates += [datetime.strptime(r["txn_date"], "%d/%m/%Y").date() for r in self.bank]
        return max(dates)


def reconcile(d: SampleData) -> tuple[dict[str, str], dict]:
    """Statuses and totals recomputed from the files alone, straight from docs/reconciliation.md."""
    as_of = d.as_of()
    settlement_days = int(next(iter(d.contract.values()))["settlement_days"])
    sla_days = int(next(iter(d.contract.values()))["refund_sla_days"])
    payments = {
        e["data"]["payment_id"]: e["data"] for e in d.of_type("payment.deposit.paid", "payment.balance.paid")
    }
    refunds = {e["data"]["refund_id"]: (e["data"], e["time"]) for e in d.of_type("payment.refund.initiated")}

    net: dict[str, int] = defaultdict(int)
    for r in d.lines:
        net[r["settlement_id"]] += int(r["credit"]) - int(r["debit"])
    utr_of = d.settlement_utrs()
    credits = d.bank_credits_by_utr()

    def bank_ok(settlement_id: str) -> bool:
        got = credits.get(utr_of[settlement_id], [])
        return len(got) > 0 and all(c == net[settlement_id] for c in got)

    line_of = {r["entity_id"]: r for r in d.lines if r["type"] in ("payment", "refund")}
    by_order: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for pid, p in payments.items():
        by_order[p["order_id"]].append((p["captured_at"], pid))
    duplicates = {pid for group in by_order.values() for _, pid in sorted(group)[1:]}

    def round_half_up(amount: int, bps: int) -> int:
        return (amount * bps + 5000) // 10000

    statuses: dict[str, str] = {}
    by_status: dict[str, dict[str, int]] = defaultdict(
        lambda: {"count": 0, "booked_amount_paise": 0, "gateway_amount_paise": 0}
    )

    def put(entity_id: str, status: str, booked: int, gateway: int) -> None:
        statuses[entity_id] = status
        agg = by_status[status]
        agg["count"] += 1
        agg["booked_amount_paise"] += booked
        agg["gateway_amount_paise"] += gateway

    for pid, p in payments.items():
        line = line_of.get(pid)
        booked = p["amount_paise"]
        gateway = int(line["amount"]) if line else 0
        if pid in duplicates:
            status = "duplicate_payment"
        elif line is None:
            age = (as_of - ist_date_of_rfc3339(p["captured_at"])).days
            status = "in_transit" if age <= settlement_days else "settlement_overdue"
        elif gateway != booked:
            status = "amount_mismatch"
        else:
            fee, tax = int(line["fee"]), int(line["tax"])
            row = d.contract[p["method"]]
            exp_fee = round_half_up(gateway, int(row["mdr_bps"]))
            exp_tax = round_half_up(exp_fee, int(row["gst_bps"]))
            if abs(fee - tax - exp_fee) > 1 or abs(tax - exp_tax) > 1:
                status = "fee_mismatch"
            elif not bank_ok(line["settlement_id"]):
                status = "bank_unmatched"
            else:
                status = "matched"
        put(pid, status, booked, gateway)

    for rid, (r, initiated) in refunds.items():
        line = line_of.get(rid)
        gateway = int(line["amount"]) if line else 0
        if line is None:
            age = (as_of - ist_date_of_rfc3339(initiated)).days
            status = "in_transit" if age <= sla_days else "settlement_overdue"
        elif gateway != r["amount_paise"]:
            status = "amount_mismatch"
        elif int(line["fee"]) or int(line["tax"]):
            status = "fee_mismatch"
        elif not bank_ok(line["settlement_id"]):
            status = "bank_unmatched"
        else:
            status = "matched"
        put(rid, status, r["amount_paise"], gateway)

    for r in d.lines:
        known = (r["type"] == "payment" and r["entity_id"] in payments) or (
            r["type"] == "refund" and (r["entity_id"] in refunds or r["payment_id"] in payments)
        )
        if not known:
            put(r["entity_id"], "orphan_gateway_line", 0, int(r["amount"]))

    utrs = set(utr_of.values())
    totals = {
        "by_status": dict(by_status),
        "payments_captured": len(payments),
        "booked_amount_paise": sum(p["amount_paise"] for p in payments.values()),
        "gateway_gross_paise": sum(int(r["amount"]) for r in d.lines if r["type"] == "payment"),
        "gateway_fee_paise": sum(int(r["fee"]) - int(r["tax"]) for r in d.lines),
        "gateway_tax_paise": sum(int(r["tax"]) for r in d.lines),
        "gateway_refund_paise": sum(int(r["amount"]) for r in d.lines if r["type"] == "refund"),
        "net_settled_paise": sum(int(r["credit"]) - int(r["debit"]) for r in d.lines),
        "bank_credited_paise": sum(
            paise(row["credit"])
            for row in d.bank
            if paise(row["credit"]) and any(t in utrs for t in re.split(r"[\s\-]+", row["narration"]))
        ),
    }
    return statuses, totals
