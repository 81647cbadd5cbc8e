"""The claim marts through the real loader and a real `dbt build` on chDB, on the hand-made scenario of
tests/support/claim_scenario.py (each claim exercises one rule of docs/claims.md; the expected states,
statuses and figures are worked out by hand in its comments). fct_claims' state and amounts must also be the
Python fold's (ingestion/claims_state.py) of the same stored events.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support.claim_scenario import (
    C1_UTR,
    C3_UTR,
    CLAIM_IDS,
    N1_UTR,
    NIVA,
    STAR,
    TENANT,
    build_claim_marts,
)
from support.nhcx_messages import INSURER

from core.warehouse import Warehouse, open_warehouse
from ingestion.claims_history import claim_events
from ingestion.claims_state import fold

FOLDED = ("requested_paise", "preauth_approved_paise", "approved_paise", "deducted_paise", "paid_paise",
          "tds_paise", "remitted_paise", "remitted_tds_paise", "open_queries", "reason_code", "utr", "insurer",
          "tpa")  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    settings = build_claim_marts(
        tmp_path_factory.mktemp("claim_marts"),
        "+fct_claims",
        "+fct_claim_denials",
        "+fct_claim_adjudication",
        "+fct_claim_settlement_recon",
    )
    with open_warehouse(settings) as warehouse:
        yield warehouse


def rows(w: Warehouse, sql: str) -> list[dict[str, Any]]:
    result = w.client.query(sql.format(marts=w.db("marts")))
    return [dict(zip(result.column_names, r, strict=True)) for r in result.result_rows]


def test_each_claims_state_and_amounts_are_the_python_folds(built: Warehouse) -> None:
    claims = {r["claim_id"]: r for r in rows(built, "select * from {marts}.fct_claims")}
    assert sorted(claims) == sorted(CLAIM_IDS)
    for claim_id, row in claims.items():
        _, events = claim_events(built, claim_id, TENANT)
        state = fold(claim_id, events)
        assert row["state"] == state.state, claim_id
        assert {n: row[n] for n in FOLDED} == {n: getattr(state, n) for n in FOLDED}, claim_id
    states = {c: r["state"] for c, r in claims.items()}
    assert states == {
        "C1": "settled", "C2": "approved", "C3": "settled", "C5": "preauth_approved", "C6": "query_pending",
        "C7": "approved", "CLM-N1": "settled", "CLM-N2": "",
    }  # fmt: skip


def test_fct_claims_times_each_state_and_links_the_episode(built: Warehouse) -> None:
    claims = {r["claim_id"]: r for r in rows(built, "select * from {marts}.fct_claims")}
    c1 = claims["C1"]
    # the late query: query_pending from 03/10 10:00 to its answer on 04/10 10:00
    assert c1["seconds_query_pending"] == 86_400
    # submitted 01/10 10:00 to 03/10 10:00, and again 04/10 10:00 to the decision on 06/10 12:00
    assert c1["seconds_submitted"] == 2 * 86_400 + 2 * 86_400 + 2 * 3_600
    # settled 08/10 10:00 until the end of the as-of day, 01/11 00:00
    assert c1["seconds_settled"] == 23 * 86_400 + 14 * 3_600
    assert (c1["approved_paise"], c1["deducted_paise"], c1["insurer_share_paise"], c1["patient_share_paise"]) == (
        9_000_000, 1_000_000, 9_000_000, 1_000_000,
    )  # fmt: skip
    assert c1["is_decision_sla_breached"] and c1["decision_sla_hours"] == 96
    assert claims["C6"]["open_queries"] == 1 and claims["C6"]["is_decision_sla_breached"]
    assert claims["C6"]["decision_sla_hours"] == 72 and claims["C6"]["patient_share_paise"] is None
    assert claims["C2"]["seconds_denied"] == 2 * 86_400 and claims["C2"]["seconds_disputed"] == 2 * 86_400
    n1 = claims["CLM-N1"]
    assert n1["episode_id"] != "" and n1["visit_number"] == "IP200" and claims["C1"]["episode_id"] == ""
    assert n1["branch_id"] == "br_blr01"


def test_settlement_recon_statuses_and_the_totals_tie(built: Warehouse) -> None:
    recon = rows(built, "select * from {marts}.fct_claim_settlement_recon order by claim_id, utr")
    assert {(r["claim_id"], r["utr"]): r["status"] for r in recon} == {
        ("C1", C1_UTR): "matched",
        ("C2", ""): "overdue",
        ("C3", C3_UTR): "short_paid",
        ("C7", ""): "in_transit",
        ("CLM-N1", N1_UTR): "bank_unmatched",
        ("CLM-N2", N1_UTR): "orphan_remittance",
    }
    by_claim = {r["claim_id"]: r for r in recon}
    assert by_claim["C3"]["short_by_paise"] == 600_000
    assert by_claim["CLM-N1"]["claim_tds_paise"] == 140_000 and by_claim["CLM-N1"]["short_by_paise"] == 0
    assert by_claim["CLM-N1"]["utr_transferred_paise"] == 13_860_000 + 500_025
    # every remittance line is on a row, to the paisa
    (lines,) = built.rows(
        f"select count(), sum(paid_paise), sum(tds_paise) from ("
        f"select paid_paise, tds_paise, event_type from {built.db('raw')}.claims_tpa_events union all "
        f"select paid_paise, tds_paise, event_type from {built.db('raw')}.claims_nhcx_events) "
        "where event_type = 'remittance_line'"
    )
    assert lines == (
        sum(r["remittance_line_count"] for r in recon),
        sum(r["remitted_paise"] for r in recon),
        sum(r["remitted_tds_paise"] for r in recon),
    )
    # a matched row's UTR was credited exactly what was transferred under it
    for r in recon:
        if r["status"] == "matched":
            assert r["bank_credited_paise"] == r["utr_transferred_paise"] == r["settled_paise"]


def test_denials_by_reason_and_adjudication_times(built: Warehouse) -> None:
    denials = rows(
        built,
        "select denial_kind, reason_code, insurer, branch_id, toString(denial_month) as month, denial_count, "
        "amount_paise from {marts}.fct_claim_denials order by insurer, denial_kind, reason_code",
    )
    assert [tuple(r.values()) for r in denials] == [
        ("deduction", "NME", INSURER, "br_blr01", "2026-10-01", 1, 750_000),
        ("deduction", "ROOM", INSURER, "br_blr01", "2026-10-01", 1, 250_000),
        ("deduction", "NME", STAR, "br_blr01", "2026-10-01", 1, 600_000),
        ("deduction", "ROOM", STAR, "br_blr01", "2026-10-01", 1, 400_000),
        ("denied", "R01", STAR, "br_blr01", "2026-10-01", 1, 5_000_000),
    ]
    adjudication = {
        (r["party_kind"], r["party"]): r
        for r in rows(
            built, "select * from {marts}.fct_claim_adjudication where submitted_month = '2026-10-01'"
        )
    }
    star = adjudication[("insurer", STAR)]
    # decisions 122 h (C1), 72 h (C2's denial, its first), 48 h (C3); settlements 168 h (C1), 96 h (C3)
    assert (star["claims_submitted"], star["claims_decided"], star["claims_settled"]) == (3, 3, 2)
    assert (star["decision_hours_p50"], star["decision_hours_p90"]) == (72.0, 122.0)
    assert (star["settlement_hours_p50"], star["settlement_hours_p90"]) == (168.0, 168.0)
    # C1 decided past 96 h; C2 unpaid past 600 h
    assert (star["decision_sla_breaches"], star["settlement_sla_breaches"], star["is_sla_breached"]) == (
        1,
        1,
        True,
    )
    niva = adjudication[("insurer", NIVA)]
    # C6 undecided past 72 h, C7 decided after 120 h
    assert (niva["claims_submitted"], niva["decision_sla_breaches"], niva["settlement_sla_breaches"]) == (
        2,
        2,
        0,
    )
    assert adjudication[("tpa", "Example TPA")]["claims_submitted"] == 5
