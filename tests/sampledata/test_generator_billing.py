"""The generator's bills (sampledata/billing.py) read back by the real billing readers, without dbt: every
file is DFT^P03 (or the bill CSV with the CSV ADT format) the feeds load, the bills the rows add up to are the
ground truth's, both wire formats give the same bills, and the injected anomalies are where the truth says."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ingestion.feeds import LoadContext
from ingestion.feeds.billing_csv import FEED as CSV_FEED
from ingestion.feeds.billing_hl7 import FEED as HL7_FEED
from ingestion.records import Record
from sampledata import write_sample

SAMPLE = {"branches": 2, "days": 7, "start": date(2026, 10, 1), "bookings_per_branch_day": 6}


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for fmt in ("hl7", "csv"):
        out[fmt] = tmp_path_factory.mktemp(f"bills-{fmt}")
        write_sample(out[fmt], seed=11, adt_format=fmt, **SAMPLE)
    return out


def read(root: Path) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Every charge line the feed's reader gives (a re-sent key once) and the (file, reason) of bad ones."""
    fmt = json.loads((root / "ground_truth.json").read_text())["billing"]["format"]
    feed = HL7_FEED if fmt == "hl7" else CSV_FEED
    rows: dict[tuple, dict[str, Any]] = {}
    bad = []
    for path in feed.files(root):
        if path.name == "mapping.yaml":
            continue
        for record in feed.reader.records(path, feed.spec.tables[0], LoadContext("t")):
            if not isinstance(record, Record):
                continue
            if record.values is None:
                bad.append((str(path.relative_to(root)), record.reason or ""))
            else:
                v = record.values
                rows.setdefault((v["sender"], v["message_id"], v["line_number"]), v)
    return list(rows.values()), bad


def bills(rows: list[dict[str, Any]], mapped: set[str]) -> list[dict[str, Any]]:
    """fct_episode_bills' rule (docs/billing.md), restated in Python from the raw rows."""
    by: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by[r["bill_number"], r["visit_number"]].append(r)
    out = []
    for (number, visit), lines in sorted(by.items()):
        total = {k: sum(r["amount_paise"] for r in lines if r["transaction_type"] == k) for k in ("CG", "AJ")}
        absolute = {
            k: sum(abs(r["amount_paise"]) for r in lines if r["transaction_type"] == k) for k in ("CD", "PY")
        }
        services = [r for r in lines if r["transaction_type"] == "CG"]
        net = total["CG"] - absolute["CD"] + total["AJ"]
        latest = max(lines, key=lambda r: (r["message_time"], r["message_id"], r["line_number"]))
        out.append(
            {
                "visit_number": visit,
                "bill_number": number,
                "bill_kind": "final" if any(r["bill_kind"] == "final" for r in lines) else "interim",
                "sender": latest["sender"],
                "patient_mrn": latest["mrn"],
                "line_count": len(lines),
                "mapped_line_count": sum(1 for r in services if r["service_code"] in mapped),
                "unmapped_line_count": sum(1 for r in services if r["service_code"] not in mapped),
                "charges_paise": total["CG"],
                "credits_paise": absolute["CD"],
                "payments_paise": absolute["PY"],
                "adjustments_paise": total["AJ"],
                "net_total_paise": net,
                "balance_due_paise": net - absolute["PY"],
            }
        )
    return out


@pytest.mark.parametrize("fmt", ["hl7", "csv"])
def test_the_files_read_back_to_the_truths_bills(samples: dict[str, Path], fmt: str) -> None:
    root = samples[fmt]
    truth = json.loads((root / "ground_truth.json").read_text())["billing"]
    with (root / "reference" / "services.csv").open(encoding="utf-8") as fh:
        mapped = {row["service_code"] for row in csv.DictReader(fh)}
    rows, bad = read(root)
    expected = [{k: v for k, v in b.items() if k != "tenant_id"} for b in truth["expected_bills"]]
    assert bills(rows, mapped) == expected
    assert len(expected) > 20 and {b["bill_kind"] for b in expected} == {"interim", "final"}
    assert [f for f, _ in bad] == [q["file"] for q in truth["expected_quarantine"]]
    assert all("'12,34.5x'" in why for _, why in bad)
    assert truth["unmapped_service_codes"] == ["PHYSIO-SES"] and "PHYSIO-SES" not in mapped
    assert sum(b["unmapped_line_count"] for b in expected) == 1


def test_both_wire_formats_carry_the_same_bills(samples: dict[str, Path]) -> None:
    hl7, csv_ = (
        json.loads((samples[f] / "ground_truth.json").read_text())["billing"] for f in ("hl7", "csv")
    )
    drop = ("sender",)
    assert [{k: v for k, v in b.items() if k not in drop} for b in hl7["expected_bills"]] == [
        {k: v for k, v in b.items() if k not in drop} for b in csv_["expected_bills"]
    ]
    assert {b["sender"] for b in csv_["expected_bills"]} == {"arghis"}


def test_an_admission_is_billed_interim_before_final(samples: dict[str, Path]) -> None:
    rows, _ = read(samples["hl7"])
    first: dict[tuple[str, str], Any] = {}
    for r in rows:
        key = (r["visit_number"], r["bill_kind"])
        first[key] = min(first.get(key, r["message_time"]), r["message_time"])
    admissions = {v for v, k in first if k == "interim"}
    assert admissions and all(v.startswith("IP") for v in admissions)
    assert all(first[v, "interim"] < first[v, "final"] for v in admissions if (v, "final") in first)
