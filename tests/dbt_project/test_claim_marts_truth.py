"""Issue 13's "the marts match the ground truth" and "the remittance ties to the bank to the paisa": for two
seeds, the generator's claims (two TPAs' exports, NHCX messages), its claim service levels and its bank
statement go through the real loader into chDB, and a real `dbt build` of the claim marts and their parents
must give, claim by claim, exactly the truth's account (docs/claims-sample.md): fct_claims' state, amounts,
TDS and service level breaches; fct_claim_settlement_recon's status; the denial in fct_claim_denials; the
breaches fct_claim_adjudication counts. Every remittance line is on one recon row and the totals tie to the
stored advices and to the bank; a matched claim's bank credit is what the insurer paid, to the paisa.

One warehouse per seed, built once for the module; only the feeds the claim marts read are loaded (no ADT,
so no episode links here: tests/dbt_project/test_claim_marts.py covers those)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from dbt_runner import dbt_failure, run_dbt, run_results

from core.settings import warehouse_settings
from core.warehouse import open_warehouse
from ingestion.data_dir import load_feed
from ingestion.feeds import feed_named
from sampledata import write_sample
from sampledata.claims import RECON_STATUSES

SEEDS = (7, 11)
# the sizes that carry every scenario and recon status; no messaging (the claim marts don't read it)
SAMPLE = {"branches": 5, "days": 20, "bookings_per_branch_day": 4, "claims": True, "messages": False}
# the reference feed brings reference/claim_slas.csv; the bank statement the settlements' credits
FEEDS = ("reference", "bank_statements", "claims_tpa", "claims_nhcx")
MARTS = ("+fct_claims", "+fct_claim_settlement_recon", "+fct_claim_denials", "+fct_claim_adjudication")
# fct_claims columns the truth states under the same name: the fold's final state and amounts
FOLDED = (
    "state", "requested_paise", "preauth_approved_paise", "approved_paise", "deducted_paise", "paid_paise",
    "tds_paise", "remitted_paise", "remitted_tds_paise", "reason_code", "utr", "insurer", "tpa", "branch_id",
)  # fmt: skip


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """One seed's sample loaded by the real loader and its claim marts built by real dbt, as of its truth's
    as-of day."""
    root = tmp_path_factory.mktemp(f"claim_truth_{request.param}")
    write_sample(root / "data", seed=request.param, **SAMPLE)
    truth = json.loads((root / "data" / "ground_truth.json").read_text(encoding="utf-8"))["claims"]
    settings = warehouse_settings(f"chdb://{root / 'warehouse'}")
    with open_warehouse(settings) as warehouse:  # closed before dbt opens the directory
        for name in FEEDS:
            results = load_feed(warehouse, root / "data", feed_named(name))
            assert results and all(r.status == "loaded" and r.conserved for r in results), (name, results)
    as_of = f"{{as_of: '{truth['as_of']}'}}"
    result = run_dbt(
        settings, root, "build", "--select", *MARTS, "--indirect-selection", "cautious", "--vars", as_of
    )
    assert result.returncode == 0, dbt_failure(result)
    statuses = run_results(root)
    assert set(statuses.values()) <= {"success", "pass"}
    # fct_claims' unit tests (the denied claim's settlement level among them) ran with the build
    assert any(uid.startswith("unit_test.") and ".fct_claims." in uid for uid in statuses)
    with open_warehouse(settings) as warehouse:
        marts = warehouse.db("marts")
        yield {
            "truth": truth,
            "warehouse": warehouse,
            "claims": {r["claim_id"]: r for r in warehouse.dicts(f"select * from {marts}.fct_claims")},
            "recon": warehouse.dicts(f"select * from {marts}.fct_claim_settlement_recon"),
            "denials": warehouse.dicts(f"select * from {marts}.fct_claim_denials"),
            "adjudication": warehouse.dicts(f"select * from {marts}.fct_claim_adjudication"),
        }


def test_fct_claims_is_the_truths_state_and_amounts_claim_by_claim(built: dict[str, Any]) -> None:
    truth, claims = built["truth"], built["claims"]
    assert sorted(claims) == sorted(c["claim_id"] for c in truth["claims"])
    for expected in truth["claims"]:
        row = claims[expected["claim_id"]]
        assert {n: row[n] for n in FOLDED} == {n: expected[n] for n in FOLDED}, expected["claim_id"]
        assert row["event_count"] == expected["events"], expected["claim_id"]  # a redelivery stored once
        # the TDS withheld: the settlement's, else (NHCX's PaymentNotice states none) the remittance's
        assert (row["tds_paise"] or row["remitted_tds_paise"]) == expected["tds_withheld_paise"]
        breaches = (row["is_decision_sla_breached"], row["is_settlement_sla_breached"])
        assert breaches == (expected["decision_sla_breached"], expected["settlement_sla_breached"]), row


def test_the_generators_service_levels_apply_to_every_submitted_claim(built: dict[str, Any]) -> None:
    truth = built["truth"]
    for row in built["claims"].values():
        assert (row["decision_sla_hours"], row["settlement_sla_hours"]) == (
            truth["decision_sla_hours"],
            truth["settlement_sla_hours"],
        )
        if row["submitted_at"] is not None:
            due = row["settlement_due_at"] - row["submitted_at"]
            assert due.total_seconds() == truth["settlement_due_days"] * 86_400


def test_each_claims_recon_status_is_the_truths(built: dict[str, Any]) -> None:
    truth, recon = built["truth"], built["recon"]
    assert len({r["claim_id"] for r in recon}) == len(recon)  # one row a claim in these samples
    statuses = {r["claim_id"]: r["status"] for r in recon}
    expected = {c["claim_id"]: c["recon_status"] for c in truth["claims"] if c["recon_status"] is not None}
    assert statuses == expected
    assert set(statuses.values()) == set(RECON_STATUSES)  # every status, on these seeds
    for row in recon:  # an exception says why; a match or a payment still in transit is none
        assert (row["status"] in ("matched", "in_transit")) == (row["exception_reason"] == ""), row


def test_every_remittance_line_is_on_one_row_and_the_totals_tie(built: dict[str, Any]) -> None:
    truth, recon, w = built["truth"], built["recon"], built["warehouse"]
    raw = w.db("raw")
    ((lines, remitted, remitted_tds),) = w.rows(
        "select count(), sum(paid_paise), sum(tds_paise) from ("
        f"select * from `{raw}`.claims_tpa_events union all select * from `{raw}`.claims_nhcx_events"
        ") where event_type = 'remittance_line'"
    )
    assert lines > 0
    assert sum(r["remittance_line_count"] for r in recon) == lines
    assert (
        sum(r["remitted_paise"] for r in recon)
        == remitted
        == sum(c["remitted_paise"] for c in truth["claims"])
    )
    assert (
        sum(r["remitted_tds_paise"] for r in recon)
        == remitted_tds
        == sum(c["remitted_tds_paise"] for c in truth["claims"])
    )
    # the bank side: every claim credit the generator put on the statement is on its claim's row
    credits = {c["utr"]: c["credit_paise"] for c in truth["bank_credits"]}
    on_rows = {r["utr"]: r["bank_credited_paise"] for r in recon if r["bank_line_count"] > 0}
    assert on_rows == credits
    assert sum(r["bank_credited_paise"] for r in recon) == sum(credits.values())


def test_a_matched_claims_bank_credit_is_what_the_insurer_paid_to_the_paisa(built: dict[str, Any]) -> None:
    truth = {c["claim_id"]: c for c in built["truth"]["claims"]}
    matched = [r for r in built["recon"] if r["status"] == "matched"]
    assert len(matched) >= 5
    for row in matched:
        expected = truth[row["claim_id"]]
        paid = expected["paid_paise"]
        assert paid > 0 and paid == expected["bank_credit_paise"]
        assert row["bank_credited_paise"] == row["utr_transferred_paise"] == row["claim_paid_paise"] == paid
        assert row["bank_difference_paise"] == 0 and row["bank_line_count"] == 1
        # net of TDS: what the insurer paid plus what it withheld is what it approved
        assert row["claim_paid_paise"] + row["claim_tds_paise"] == row["approved_paise"]
        assert row["claim_tds_paise"] == expected["tds_withheld_paise"]
    (missing,) = built["truth"]["scenarios"]["missing_bank_credit"]
    row = next(r for r in built["recon"] if r["claim_id"] == missing)
    assert (row["status"], row["bank_credited_paise"], row["bank_line_count"]) == ("bank_unmatched", 0, 0)
    assert row["bank_difference_paise"] == -truth[missing]["paid_paise"]


def _denial_key(row: dict[str, Any]) -> tuple[str, str, str, str, str]:
    return (row["denial_kind"], row["reason_code"], row["insurer"], row["tpa"], row["branch_id"])


def test_the_denial_and_the_deductions_are_in_fct_claim_denials(built: dict[str, Any]) -> None:
    truth, denials = built["truth"], built["denials"]
    denied = [c for c in truth["claims"] if c["state"] == "denied"]
    assert [c["claim_id"] for c in denied] == truth["scenarios"]["denial"]
    counts: Counter[tuple[str, ...]] = Counter()
    amounts: Counter[tuple[str, ...]] = Counter()
    for row in (r for r in denials if r["denial_kind"] == "denied"):
        counts[_denial_key(row)] += row["denial_count"]
        amounts[_denial_key(row)] += row["amount_paise"]
    expected = Counter(("denied", c["reason_code"], c["insurer"], c["tpa"], c["branch_id"]) for c in denied)
    assert counts == expected
    # a denial refuses what was requested
    assert sum(amounts.values()) == sum(c["requested_paise"] for c in denied)
    assert not [r for r in denials if r["denial_kind"] == "preauth_rejected"]
    deducted = sum(r["amount_paise"] for r in denials if r["denial_kind"] == "deduction")
    assert deducted == sum(c["deducted_paise"] for c in truth["claims"]) > 0


def test_fct_claim_adjudication_counts_the_truths_breaches(built: dict[str, Any]) -> None:
    truth, adjudication = built["truth"], built["adjudication"]
    for kind, key in (("insurer", "insurer"), ("tpa", "tpa")):
        got: Counter[str] = Counter()
        want: Counter[str] = Counter()
        for row in (r for r in adjudication if r["party_kind"] == kind):
            got[f"{row['party']}/decision"] += row["decision_sla_breaches"]
            got[f"{row['party']}/settlement"] += row["settlement_sla_breaches"]
        for c in truth["claims"]:
            want[f"{c[key]}/decision"] += c["decision_sla_breached"]
            want[f"{c[key]}/settlement"] += c["settlement_sla_breached"]
        assert +got == +want, kind
    assert any(c["decision_sla_breached"] for c in truth["claims"])
    assert any(c["settlement_sla_breached"] for c in truth["claims"])
