"""The default sample: layouts, CloudEvents, Razorpay conventions, bank statement, ground truth."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

from conftest import UTR_RE, SampleData, ist_date_of_epoch, ist_date_of_rfc3339, paise, read_csv, reconcile

SETTLEMENT_HEADER = [
    "entity_id", "type", "debit", "credit", "amount", "currency", "fee", "tax", "on_hold", "settled",
    "created_at", "settled_at", "settlement_id", "posted_at", "credit_type", "description", "notes",
    "payment_id", "settlement_utr", "order_id", "order_receipt", "method", "card_network", "card_issuer",
    "card_type", "dispute_id",
]  # fmt: skip
BANK_HEADER = ["txn_date", "value_date", "narration", "ref_no", "debit", "credit", "balance"]
REFERENCE_HEADERS = {
    "branches.csv": ["tenant_id", "branch_id", "branch_name", "city", "state"],
    "doctors.csv": ["tenant_id", "doctor_id", "branch_id", "doctor_name", "specialty", "consultation_fee_paise"],
    "gateway_contract.csv": [
        "tenant_id", "gateway", "method", "mdr_bps", "gst_bps", "settlement_days", "refund_sla_days",
    ],
}  # fmt: skip
DATA_FIELDS = {
    "appointment.booked": {"booking_id", "patient_id", "branch_id", "doctor_id", "slot_start", "visit_type", "fee_paise"},
    "appointment.cancelled": {"booking_id", "reason"},
    "appointment.rescheduled": {"booking_id", "old_slot_start", "new_slot_start"},
    "appointment.completed": {"booking_id"},
    "appointment.no_show": {"booking_id"},
    "payment.initiated": {"order_id", "booking_id", "patient_id", "branch_id", "amount_paise", "currency", "purpose"},
    "payment.deposit.paid": {
        "payment_id", "order_id", "booking_id", "patient_id", "branch_id", "amount_paise", "currency", "method",
        "gateway", "captured_at",
    },
    "payment.balance.paid": {
        "payment_id", "order_id", "booking_id", "patient_id", "branch_id", "amount_paise", "currency", "method",
        "gateway", "captured_at",
    },
    "payment.refund.initiated": {"refund_id", "payment_id", "amount_paise", "reason"},
    "payment.refund.issued": {"refund_id", "payment_id", "amount_paise", "reason"},
}  # fmt: skip
KINDS = (
    "settlement_overdue", "amount_mismatch", "fee_mismatch", "duplicate_payment", "orphan_gateway_line",
    "bank_unmatched",
)  # fmt: skip
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
START = date(2026, 10, 1)
LAST = START + timedelta(days=29)


def test_every_file_has_the_exact_header(sample: tuple[Path, dict]) -> None:
    root = sample[0]
    settlement_files = sorted((root / "settlements" / "razorpay").glob("*.csv"))
    assert len(settlement_files) == 28  # no settlement before start + 2 days
    for path in settlement_files:
        assert read_csv(path)[0] == SETTLEMENT_HEADER, path
    bank_files = sorted((root / "bank").glob("statement_*.csv"))
    assert len(bank_files) == 1
    assert read_csv(bank_files[0])[0] == BANK_HEADER
    for name, header in REFERENCE_HEADERS.items():
        assert read_csv(root / "reference" / name)[0] == header


def test_reference_data(data: SampleData) -> None:
    branches = read_csv(data.root / "reference" / "branches.csv")[1]
    assert [b["branch_id"] for b in branches] == ["br_blr01", "br_mum01", "br_del01"]
    doctors = read_csv(data.root / "reference" / "doctors.csv")[1]
    assert {d["branch_id"] for d in doctors} == {b["branch_id"] for b in branches}
    assert all(int(d["consultation_fee_paise"]) > 0 for d in doctors)
    assert {m: (int(r["mdr_bps"]), int(r["gst_bps"]), int(r["settlement_days"]), int(r["refund_sla_days"]))
            for m, r in data.contract.items()} == {
        "upi": (100, 1800, 2, 7), "card": (200, 1800, 2, 7), "wallet": (190, 1800, 2, 7),
        "netbanking": (190, 1800, 2, 7),
    }  # fmt: skip
    tenants = {r["tenant_id"] for r in [*branches, *doctors, *data.contract.values()]}
    assert tenants == {data.truth["tenant_id"]}


def test_cloudevents_attributes_and_unique_ids(data: SampleData) -> None:
    assert len(data.event_files) == 30
    ids = [e["id"] for e in data.events]
    assert len(ids) == len(set(ids))
    branches = {b["branch_id"] for b in read_csv(data.root / "reference" / "branches.csv")[1]}
    for name, events in data.event_files.items():
        times = [e["time"] for e in events]
        assert times == sorted(times), name
        for e in events:
            assert set(e) == {
                "specversion", "id", "source", "type", "time", "subject", "datacontenttype", "tenantid",
                "branchid", "data",
            }  # fmt: skip
            assert e["specversion"] == "1.0"
            assert e["datacontenttype"] == "application/json"
            assert e["tenantid"] == data.truth["tenant_id"]
            assert e["branchid"] in branches
            assert e["source"] == f"mymedic/booking/{e['branchid']}"
            assert TIME_RE.match(e["time"]), e["time"]
            assert ist_date_of_rfc3339(e["time"]).isoformat() + ".ndjson" == name
            if e["type"].startswith("message."):  # their data: test_generator_messaging.py
                continue
            assert set(e["data"]) == DATA_FIELDS[e["type"]], e["type"]
            assert e["subject"] == e["data"].get("booking_id", e["subject"])
    types = Counter(e["type"] for e in data.events if not e["type"].startswith("message."))
    assert set(types) == set(DATA_FIELDS)


def test_payment_events_are_consistent(data: SampleData) -> None:
    initiated = {e["data"]["order_id"]: e["data"] for e in data.of_type("payment.initiated")}
    paid = data.of_type("payment.deposit.paid", "payment.balance.paid")
    methods = Counter()
    for e in paid:
        p = e["data"]
        order = initiated[p["order_id"]]
        assert p["amount_paise"] == order["amount_paise"] and isinstance(p["amount_paise"], int)
        assert e["type"] == f"payment.{order['purpose']}.paid"
        assert p["captured_at"] == e["time"]
        assert p["payment_id"].startswith("pay_") and p["order_id"].startswith("order_")
        assert p["currency"] == "INR" and p["gateway"] == "razorpay"
        methods[p["method"]] += 1
    assert methods.most_common(1)[0][0] == "upi"
    # some captures fall after midnight IST, i.e. on the previous UTC date
    assert any(ist_date_of_rfc3339(e["time"]).isoformat() != e["time"][:10] for e in paid)
    assert 0.5 < methods["upi"] / len(paid) < 0.7
    assert set(methods) == {"upi", "card", "wallet", "netbanking"}
    payment_ids = {e["data"]["payment_id"] for e in paid}
    for e in data.of_type("payment.refund.initiated"):
        assert e["data"]["payment_id"] in payment_ids
        assert e["data"]["refund_id"].startswith("rfnd_")


def test_settlement_lines_follow_razorpay_conventions(data: SampleData) -> None:
    payments = {
        e["data"]["payment_id"]: e["data"]
        for e in data.of_type("payment.deposit.paid", "payment.balance.paid")
    }
    per_day_branch: dict[tuple[str, str], set[str]] = defaultdict(set)
    utr_of: dict[str, set[str]] = defaultdict(set)
    for r in data.lines:
        assert r["currency"] == "INR" and r["on_hold"] == "0" and r["settled"] == "1"
        assert r["settlement_id"].startswith("setl_")
        assert UTR_RE.match(r["settlement_utr"]), r["settlement_utr"]
        settled_day = ist_date_of_epoch(int(r["settled_at"]))
        assert r["_file"] == f"{settled_day.isoformat()}.csv"
        assert int(r["posted_at"]) >= int(r["created_at"])
        notes = json.loads(r["notes"])
        assert set(notes) == {"booking_id", "branch_id"}
        per_day_branch[(r["_file"], notes["branch_id"])].add(r["settlement_id"])
        utr_of[r["settlement_id"]].add(r["settlement_utr"])
        amount, fee, tax = int(r["amount"]), int(r["fee"]), int(r["tax"])
        if r["type"] == "payment":
            assert int(r["debit"]) == 0 and int(r["credit"]) == amount - fee
            assert 0 < tax < fee
            assert r["payment_id"] == ""
            if r["entity_id"] in payments:
                p = payments[r["entity_id"]]
                assert r["method"] == p["method"] and r["order_id"] == p["order_id"]
                assert notes == {"booking_id": p["booking_id"], "branch_id": p["branch_id"]}
                captured = ist_date_of_rfc3339(p["captured_at"])
                assert settled_day == captured + timedelta(days=2)  # T+2 on IST dates
        else:
            assert r["type"] == "refund"
            assert int(r["debit"]) == amount and int(r["credit"]) == 0 and fee == 0 and tax == 0
            assert r["payment_id"] in payments
        has_card = bool(r["card_network"] or r["card_issuer"] or r["card_type"])
        assert has_card == (r["method"] == "card")
    assert all(len(ids) == 1 for ids in per_day_branch.values())  # one settlement per branch per day
    assert all(len(utrs) == 1 for utrs in utr_of.values())  # one UTR per settlement
    assert len({next(iter(u)) for u in utr_of.values()}) == len(utr_of)  # UTRs are unique


def test_bank_statement(data: SampleData) -> None:
    balance = None
    for row in data.bank:
        assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", row["txn_date"]) and row["value_date"] == row["txn_date"]
        for col in ("debit", "credit", "balance"):
            assert row[col] == "" or re.fullmatch(r"-?\d+\.\d{2}", row[col]), row
        assert bool(row["debit"]) != bool(row["credit"])
        current = paise(row["balance"])
        if balance is not None:
            assert current == balance + paise(row["credit"]) - paise(row["debit"])
        balance = current
    dates = [datetime.strptime(r["txn_date"], "%d/%m/%Y").date() for r in data.bank]
    assert dates == sorted(dates) and dates[0] >= START and dates[-1] == LAST
    assert sum(1 for r in data.bank if r["debit"]) >= 5  # unrelated debits: rent, salaries, ...


def test_settlement_utrs_reach_the_bank_except_injected_ones(data: SampleData) -> None:
    credits = data.bank_credits_by_utr()
    nets: dict[str, int] = defaultdict(int)
    for r in data.lines:
        nets[r["settlement_id"]] += int(r["credit"]) - int(r["debit"])
    missing, differing = set(), set()
    for sid, utr in data.settlement_utrs().items():
        got = credits.get(utr, [])
        assert len(got) <= 1
        if not got:
            missing.add(utr)
        elif got[0] != nets[sid]:
            differing.add(utr)
    bank_anomalies = [a for a in data.truth["anomalies"] if a["kind"] == "bank_unmatched"]
    assert missing and differing
    assert len(missing) + len(differing) == len(bank_anomalies)
    for utr in missing | differing:
        assert sum(utr in a["detail"] for a in bank_anomalies) == 1
    for utr in missing:
        assert any(utr in a["detail"] and "no bank credit" in a["detail"] for a in bank_anomalies)


def test_every_anomaly_kind_appears_at_least_three_times(data: SampleData) -> None:
    kinds = Counter(a["kind"] for a in data.truth["anomalies"])
    for kind in KINDS:
        assert kinds[kind] >= 3, kind
    overdue = Counter(a["entity_type"] for a in data.truth["anomalies"] if a["kind"] == "settlement_overdue")
    assert overdue["payment"] >= 3 and overdue["refund"] >= 3
    statuses = data.truth["expected_statuses"]
    for a in data.truth["anomalies"]:
        assert set(a) == {"kind", "entity_type", "entity_ids", "expected_status", "detail"}
        assert a["expected_status"] == a["kind"] and a["entity_ids"] and a["detail"]
        for entity_id in a["entity_ids"]:
            assert statuses[entity_id] == a["kind"]
    # rare: anomalies other than bank_unmatched (a whole settlement) stay a small share
    assert sum(kinds[k] for k in KINDS if k != "bank_unmatched") < 0.02 * len(statuses)


def test_expected_statuses_cover_every_entity(data: SampleData) -> None:
    statuses = data.truth["expected_statuses"]
    payments = {e["data"]["payment_id"] for e in data.of_type("payment.deposit.paid", "payment.balance.paid")}
    refunds = {e["data"]["refund_id"] for e in data.of_type("payment.refund.initiated")}
    orphans = {
        r["entity_id"] for r in data.lines if r["type"] == "payment" and r["entity_id"] not in payments
    }
    assert set(statuses) == payments | refunds | orphans
    assert len(orphans) >= 3 and all(statuses[o] == "orphan_gateway_line" for o in orphans)
    assert len(statuses) == len(payments) + len(refunds) + len(orphans)


def test_statuses_match_an_independent_reconciliation(data: SampleData) -> None:
    statuses, _ = reconcile(data)
    assert statuses == data.truth["expected_statuses"]
    seen = Counter(statuses.values())
    assert seen["in_transit"] > 0 and seen["matched"] > 0.8 * len(statuses)


def test_totals_match_the_files(data: SampleData) -> None:
    _, totals = reconcile(data)
    assert totals == data.truth["expected_totals"]


def test_ground_truth_header(data: SampleData) -> None:
    t = data.truth
    assert list(t) == ["seed", "tenant_id", "start", "days", "as_of", "anomalies", "expected_statuses",
                       "expected_totals", "adt", "billing", "messaging"]  # fmt: skip  # docs/adt-sample.md, messaging-sample.md
    assert (t["seed"], t["start"], t["days"], t["as_of"]) == (42, "2026-10-01", 30, "2026-10-30")
    assert t["tenant_id"].startswith("tnt_")
    assert data.as_of() == LAST


def test_summary_counts_match_files(sample: tuple[Path, dict], data: SampleData) -> None:
    summary = sample[1]
    assert summary["_progress_calls"] == [(i, 30) for i in range(1, 31)]
    assert summary["events"] == len(data.events)
    assert summary["payments"] == len(data.of_type("payment.deposit.paid", "payment.balance.paid"))
    assert summary["refunds"] == len(data.of_type("payment.refund.initiated"))
    assert summary["settlement_lines"] == len(data.lines)
    assert summary["bank_lines"] == len(data.bank)
    assert summary["anomalies"] == len(data.truth["anomalies"])
    files = [p for p in data.root.rglob("*") if p.is_file()]
    assert summary["files"] == len(files)
    assert Path(summary["paths"]["ground_truth"]) == data.root / "ground_truth.json"


def test_every_exception_status_is_an_injected_anomaly(data: SampleData) -> None:
    """Ground truth is unambiguous: anything not matched/in_transit is listed in exactly one anomaly."""
    listed = Counter(entity_id for a in data.truth["anomalies"] for entity_id in a["entity_ids"])
    assert all(n == 1 for n in listed.values())
    exceptions = {k for k, v in data.truth["expected_statuses"].items() if v not in ("matched", "in_transit")}
    assert exceptions == set(listed)


def test_fee_rounding_is_exercised(data: SampleData) -> None:
    """Some lines hit round-half-up exactly, and some gateway lines round down (within ±1 paisa)."""
    half_up = within_tolerance = 0
    statuses = data.truth["expected_statuses"]
    for r in data.lines:
        if r["type"] != "payment" or statuses[r["entity_id"]] != "matched":
            continue
        amount, mdr_bps = int(r["amount"]), int(data.contract[r["method"]]["mdr_bps"])
        exp_fee = (amount * mdr_bps + 5000) // 10000
        exp_tax = (exp_fee * 1800 + 5000) // 10000
        half_up += (amount * mdr_bps) % 10000 == 5000 or (exp_fee * 1800) % 10000 == 5000
        within_tolerance += (int(r["fee"]) - int(r["tax"]), int(r["tax"])) != (exp_fee, exp_tax)
    assert half_up >= 10 and within_tolerance >= 10
