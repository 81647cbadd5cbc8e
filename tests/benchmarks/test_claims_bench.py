"""Smoke test of `make bench`'s TPA claims benchmark at a tiny size: the templated files are what the
built-in example_tpa mapping reads (every event of every claim lands, with its amounts in paise; the one bad
amount is quarantined with its reason), DuckDB's peer reads the same rows, and it prints a rate. No timing
is asserted."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from benchmarks import claims_load
from core.settings import warehouse_settings
from core.warehouse import open_warehouse

REPO = Path(__file__).resolve().parents[2]


def test_the_claims_bench_loads_every_templated_event(tmp_path: Path) -> None:
    result = claims_load.run(tmp_path / "claims", events=48, per_file=20)

    # 48 events: six claims of eight events; event 7 (claim 0's remittance) has a bad amount
    assert (result.events, result.loaded, result.quarantined, result.files) == (48, 47, 1, 3)
    assert result.peer_rows == 48
    with open_warehouse(warehouse_settings(f"chdb://{tmp_path / 'claims' / 'warehouse'}")) as w:
        raw = w.db("raw")
        events = Counter(
            dict(w.rows(f"select event_type, count() from `{raw}`.claims_tpa_events group by event_type"))
        )
        reason = w.scalar(f"select reason from `{raw}`.quarantine where feed = 'claims_tpa'")
        # claim 1 (outcome 1): part-approved, its deduction lines' total the deducted amount
        partial = w.rows(
            f"select approved_paise, deducted_paise, deductions from `{raw}`.claims_tpa_events "
            "where claim_id = 'CLM000000001' and event_type = 'approved_partial'"
        )
    per_outcome = {"approved_full": 2, "approved_partial": 2, "denied": 2}  # claims 0..5: outcome = claim % 3
    assert events == Counter(
        preauth_requested=6, preauth_approved=6, claim_submitted=6, query_raised=6, query_answered=6,
        **per_outcome, settled=4, remittance_line=3, dispute_raised=2, reopened=2,
    )  # fmt: skip
    assert "Claimed Amt" in reason and "12k" in reason
    claimed = 50_000 + 7919  # the template's claimed paise of claim 1
    approved = claimed * 9 // 10
    deducted = claimed - approved
    assert partial == [
        (
            approved,
            deducted,
            f'[{{"code": "NME", "reason": "Non-medical items", "amount_paise": {deducted // 2}}}, '
            f'{{"code": "RNT", "reason": "Room rent above entitlement", "amount_paise": {deducted - deducted // 2}}}]',
        )
    ]


def test_the_claims_bench_prints_events_per_second_and_the_peer(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.claims_load", "--events", "30", "--workdir", str(tmp_path / "c")],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "30 events in 1 files" in done.stdout and "events/s" in done.stdout
    assert "DuckDB read_csv of the same files" in done.stdout and "30 rows" in done.stdout
