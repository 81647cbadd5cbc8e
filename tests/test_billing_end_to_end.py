"""Issue 11's billing handoff end to end: the generator's hospital bills its visits (an OPD visit's final bill,
an admission's interim and final bills) in HL7 v2 DFT^P03, with a service code no mapping row maps, a re-sent
message and a malformed one; the real readers and dbt turn them into `fct_episode_bills`, which must equal the
ground truth exactly, each bill linked to its episode of `fct_patient_episodes`. The malformed message is
quarantined with its reason; the unmapped service code is listed in `unmapped_codes`, and leaves it once a
mapping row for it is loaded (the next run maps the old lines)."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from core.settings import warehouse_settings
from core.warehouse import open_warehouse
from mymedic.pipeline import run_pipeline
from sampledata import write_sample

pytestmark = pytest.mark.slow

SAMPLE = {"branches": 2, "days": 7, "start": date(2026, 10, 1), "bookings_per_branch_day": 6}
TRUTH_KEYS = (
    "tenant_id", "visit_number", "bill_number", "bill_kind", "sender", "patient_mrn", "line_count",
    "mapped_line_count", "unmapped_line_count", "charges_paise", "credits_paise", "payments_paise",
    "adjustments_paise", "net_total_paise", "balance_due_paise",
)  # fmt: skip


# only what the bill marts need (their readers and upstream models, with their checks): the exports, the
# serving copy and the reconciliation marts are other tests' business
BILL_MARTS = (
    "marts/fct_episode_bills", "marts/fct_bill_lines", "marts/fct_patient_episodes", "marts/unmapped_codes"
)  # fmt: skip


def _run(root: Path) -> dict[str, Any]:
    url = f"chdb://{root / 'warehouse'}"
    report = run_pipeline(
        root / "data", root / "exports", warehouse_url=url, serving_dir=root / "serving", only=BILL_MARTS
    )
    assert report.success, report
    with open_warehouse(warehouse_settings(url)) as w:
        marts, raw = w.db("marts"), w.db("raw")
        return {
            "bills": w.dicts(f"select * from {marts}.fct_episode_bills order by bill_number, visit_number"),
            "episodes": w.dicts(f"select episode_id, visit_number from {marts}.fct_patient_episodes"),
            "lines": w.dicts(f"select message_id, copies_received from {marts}.fct_bill_lines"),
            "skipped": w.rows(f"select sum(rows_skipped) from {raw}.load_ledger where feed = 'billing_hl7'")[
                0
            ][0],
            "quarantined": w.dicts(
                f"select _source_file as file, reason from {raw}.quarantine where feed = 'billing_hl7'"
            ),
            "unmapped": w.dicts(
                f"select unmapped_code, event_count, example_message_id from {marts}.unmapped_codes "
                "where feed = 'billing_hl7' and code_kind = 'service'"
            ),
        }


@pytest.fixture(scope="module")
def hospital(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("billing")
    write_sample(
        root / "data", seed=7, adt_format="hl7", messages=False, **SAMPLE
    )  # no messaging files to load
    truth = json.loads((root / "data" / "ground_truth.json").read_text())["billing"]
    first = _run(root)
    # the chain adds the missing mapping row; the next run resolves the code
    services = root / "data" / "reference" / "services.csv"
    with services.open("a", newline="", encoding="utf-8") as fh:
        for code in truth["unmapped_service_codes"]:
            csv.writer(fh, lineterminator="\n").writerow(
                [first["bills"][0]["tenant_id"], code, f"svc_{code.lower()}", "Physiotherapy session", 70000]
            )
    second = _run(root)
    return {"truth": truth, "root": root, "first": first, "second": second}


def test_episode_bills_equal_the_ground_truth(hospital: dict[str, Any]) -> None:
    truth, got = hospital["truth"]["expected_bills"], hospital["first"]["bills"]
    assert len(truth) > 20 and {b["bill_kind"] for b in truth} == {"interim", "final"}
    assert [{k: b[k] for k in TRUTH_KEYS} for b in got] == truth


def test_every_bill_is_linked_to_its_episode(hospital: dict[str, Any]) -> None:
    first = hospital["first"]
    episodes = {e["visit_number"]: e["episode_id"] for e in first["episodes"]}
    assert {b["link_status"] for b in first["bills"]} == {"linked"}
    assert all(b["episode_id"] == episodes[b["visit_number"]] for b in first["bills"])
    # an admission's interim bill comes before its final bill
    for b in first["bills"]:
        if b["bill_kind"] == "interim":
            final = [x for x in first["bills"] if x["visit_number"] == b["visit_number"] and x is not b]
            assert all(x["bill_seq"] > b["bill_seq"] for x in final)


def test_the_resent_message_counts_once_and_the_malformed_one_is_quarantined(
    hospital: dict[str, Any],
) -> None:
    truth, first = hospital["truth"], hospital["first"]
    [resent] = [a for a in truth["anomalies"] if a["kind"] == "billing_duplicate_control_id"]
    [bill] = [b for b in truth["expected_bills"] if b["bill_number"] == resent["bill_number"]]
    assert first["skipped"] == bill["line_count"] > 0  # the copy's lines skipped at load, by their key
    copies = [
        line["copies_received"] for line in first["lines"] if line["message_id"] in resent["message_ids"]
    ]
    assert copies == [1] * bill["line_count"]
    expected = sorted(q["file"] for q in truth["expected_quarantine"])
    assert len(expected) == 1 and sorted(q["file"] for q in first["quarantined"]) == expected
    assert all(
        "FT1-11 extended amount '12,34.5x' is not an amount" in q["reason"] for q in first["quarantined"]
    )


def test_the_unmapped_service_code_is_listed_then_resolved_by_a_mapping(hospital: dict[str, Any]) -> None:
    truth, first, second = hospital["truth"], hospital["first"], hospital["second"]
    codes = truth["unmapped_service_codes"]
    assert codes and [u["unmapped_code"] for u in first["unmapped"]] == codes
    assert first["unmapped"][0]["event_count"] == 1 and first["unmapped"][0]["example_message_id"]
    assert sum(b["unmapped_line_count"] for b in first["bills"]) == 1
    assert second["unmapped"] == []
    assert sum(b["unmapped_line_count"] for b in second["bills"]) == 0
    moved = [
        (a["bill_number"], a["mapped_line_count"] + 1, b["mapped_line_count"])
        for a, b in zip(first["bills"], second["bills"], strict=True)
        if a["unmapped_line_count"]
    ]
    assert [m[1] == m[2] for m in moved] == [True]
