"""Issue 11 end to end: the generator's hospital (OPD visits of its bookings, admissions with transfers, and
its injected anomalies: a re-sent message, an A03 before its A01, a late A08, an A40 merge, unmapped codes,
a malformed message) goes through the real readers and dbt, and `fct_patient_episodes` equals the ground
truth exactly, for two seeds in HL7 v2 and for one seed in each other wire format (so the three formats give
the same episodes). The malformed message is quarantined, and the unmapped codes are listed."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from core.settings import warehouse_settings
from core.warehouse import open_warehouse
from mymedic.pipeline import run_pipeline
from sampledata import write_sample

pytestmark = pytest.mark.slow

SAMPLE = {"branches": 2, "days": 10, "start": date(2026, 10, 1), "bookings_per_branch_day": 8}
RUNS = [("hl7", 7), ("hl7", 11), ("fhir", 7), ("csv", 7)]
ADT_MARTS = ("marts/fct_patient_episodes", "marts/unmapped_codes")


def _utc_text(value: Any) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module", params=RUNS, ids=[f"{fmt}-seed{seed}" for fmt, seed in RUNS])
def hospital(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    fmt, seed = request.param
    root = tmp_path_factory.mktemp(f"adt-{fmt}-{seed}")
    write_sample(
        root / "data", seed=seed, adt_format=fmt, messages=False, **SAMPLE
    )  # no messaging files to load
    truth = json.loads((root / "data" / "ground_truth.json").read_text())["adt"]
    url = f"chdb://{root / 'warehouse'}"
    # only what the ADT marts need (the readers, the booking and reference loads, their dbt models and
    # checks): the exports, the serving copy and the reconciliation marts are other tests' business
    report = run_pipeline(root / "data", root / "exports", warehouse_url=url, serving_dir=root / "serving",
                          only=ADT_MARTS)  # fmt: skip
    assert report.success, report
    assert not report.exports and not report.serving  # `only`: the ADT marts' upstream, nothing else
    with open_warehouse(warehouse_settings(url)) as w:
        episodes = w.dicts(f"select * from {w.db('marts')}.fct_patient_episodes order by visit_number")
        quarantined = w.dicts(
            f"select feed, _source_file as file, reason from {w.db('raw')}.quarantine where feed like 'adt%'"
        )
        unmapped = w.dicts(f"select code_kind, unmapped_code from {w.db('marts')}.unmapped_codes")
    return {"truth": truth, "episodes": episodes, "quarantined": quarantined, "unmapped": unmapped}


def test_episodes_equal_the_ground_truth(hospital: dict[str, Any]) -> None:
    got = [
        {
            "visit_number": e["visit_number"],
            "episode_type": e["episode_type"],
            "mrn": e["patient_mrn"],
            "patient_id": e["patient_id"],
            "branch_id": e["branch_id"],
            "doctor_id": e["doctor_id"],
            "admit_time": _utc_text(e["admit_at"]),
            "discharge_time": _utc_text(e["discharge_at"]),
            "transfer_count": e["transfer_count"],
            "discharge_disposition": e["discharge_disposition"],
            "booking_id": e["booking_id"] or None,
        }
        for e in hospital["episodes"]
    ]
    expected = [{k: e[k] for k in got[0]} for e in hospital["truth"]["expected_episodes"]] if got else []
    assert len(hospital["truth"]["expected_episodes"]) > 40
    assert got == sorted(expected, key=lambda e: e["visit_number"])


def test_the_malformed_message_is_quarantined_with_a_reason(hospital: dict[str, Any]) -> None:
    expected = sorted(q["file"] for q in hospital["truth"]["expected_quarantine"])
    assert sorted(q["file"] for q in hospital["quarantined"]) == expected
    assert all(q["reason"] for q in hospital["quarantined"])


def test_unmapped_codes_are_listed(hospital: dict[str, Any]) -> None:
    listed = {(u["code_kind"], u["unmapped_code"]) for u in hospital["unmapped"]}
    assert {(u["code_type"], u["code"]) for u in hospital["truth"]["unmapped_codes"]} <= listed
