"""Determinism, re-runs, edge sizes and money helpers."""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path

import pytest
from conftest import EDGE_SIZES, SampleData, reconcile

from sampledata import write_sample
from sampledata.model import IdFactory
from sampledata.money import apply_bps, rupees

SMALL = {"branches": 2, "days": 12, "bookings_per_branch_day": 8}


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    a = write_sample(tmp_path / "a", seed=7, **SMALL)
    b = write_sample(tmp_path / "b", seed=7, **SMALL)
    files_a, files_b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert files_a == files_b
    assert {k: v for k, v in a.items() if k != "paths"} == {k: v for k, v in b.items() if k != "paths"}


def test_different_seeds_give_different_data(tmp_path: Path) -> None:
    write_sample(tmp_path / "a", seed=1, **SMALL)
    write_sample(tmp_path / "b", seed=2, **SMALL)
    files_a, files_b = _files(tmp_path / "a"), _files(tmp_path / "b")
    events = [name for name in files_a if name.startswith("events/")]
    assert events and all(files_a[n] != files_b.get(n) for n in events)
    assert files_a["ground_truth.json"] != files_b["ground_truth.json"]


def test_rerun_replaces_previous_output(tmp_path: Path) -> None:
    write_sample(tmp_path, seed=3, **SMALL)
    write_sample(tmp_path, seed=3, branches=1, days=4, bookings_per_branch_day=5)
    assert sorted(p.name for p in (tmp_path / "events").iterdir()) == [
        "2026-10-01.ndjson", "2026-10-02.ndjson", "2026-10-03.ndjson", "2026-10-04.ndjson",
    ]  # fmt: skip
    assert len(list((tmp_path / "bank").iterdir())) == 1
    assert not list(tmp_path.glob(".*"))
    truth = json.loads((tmp_path / "ground_truth.json").read_text())
    assert truth["days"] == 4


@pytest.mark.parametrize("args", EDGE_SIZES)
def test_edge_sizes_stay_consistent(tmp_path: Path, args: dict) -> None:
    summary = write_sample(tmp_path, seed=5, **args)
    data = SampleData.load(tmp_path)
    statuses, totals = reconcile(data)
    assert statuses == data.truth["expected_statuses"]
    assert totals == data.truth["expected_totals"]
    assert summary["payments"] == totals["payments_captured"]


def test_invalid_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_sample(tmp_path, branches=0)
    with pytest.raises(ValueError):
        write_sample(tmp_path, days=0)


def test_money_helpers() -> None:
    assert apply_bps(22_500, 100) == 225
    assert apply_bps(225, 1800) == 41  # 40.5 rounds half up
    assert apply_bps(224, 1800) == 40  # 40.32
    assert rupees(45_000) == "450.00"
    assert rupees(5) == "0.05"
    assert rupees(-1_234_567) == "-12345.67"
    assert rupees(0) == "0.00"


def test_event_ids_are_version_4_uuids() -> None:
    ids = IdFactory(random.Random(1))
    for _ in range(200):
        value = ids.event_id()
        parsed = uuid.UUID(value)
        assert str(parsed) == value and parsed.version == 4 and parsed.variant == uuid.RFC_4122
