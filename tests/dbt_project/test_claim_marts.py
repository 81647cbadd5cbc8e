"""The claim marts through the real loader and a real `dbt build` on chDB: a TPA's CSV export read by the
built-in example mapping (in two files, the second bringing a query late), NHCX messages, an ADT admission,
the claim service levels and an HDFC bank statement. Each claim exercises one rule of docs/claims.md; the
expected states, statuses and figures are worked out by hand in the comments. fct_claims' state and amounts
must also be the Python fold's (ingestion/claims_state.py) of the same stored events.

Times are IST (the mapping's zone; NHCX times carry +05:30). The as-of date is 2026-10-31: its end, the
instant open states are timed to, is 2026-11-01 00:00 IST.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from dbt_runner import dbt_failure, run_dbt, run_results
from support.nhcx_messages import INSURER, bundle, claim, message, notice, reconciliation, response

from core.settings import warehouse_settings
from core.warehouse import Warehouse, open_warehouse
from ingestion.claims_history import claim_events
from ingestion.claims_state import fold
from ingestion.feeds import LoadContext, feed_named
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables

TENANT = "t_claims"
AS_OF = date(2026, 10, 31)
STAR, NIVA = "Star Health", "Niva Bupa"
TPA_HEADER = (
    "Event Id,Ref No,Claim No,Type,Status,Status Date,Insurer,Hospital Code,IP No,Policy No,Claimed Amt,"
    "Approved Amt,Deducted Amt,Paid Amt,TDS Amt,Deductions,Reason Code,Remarks,UTR No\n"
)


def tpa(
    event: str, claim_id: str, kind: str, status: str, at: str, insurer: str = STAR, **amounts: str
) -> str:
    a = {k: amounts.get(k, "") for k in ("claimed", "approved", "deducted", "paid", "tds", "deductions")}
    reason, utr = amounts.get("reason", ""), amounts.get("utr", "")
    return (
        f"{event},R-{claim_id},{claim_id},{kind},{status},{at},{insurer},br_blr01,IP-{claim_id},POL-{claim_id},"
        f'"{a["claimed"]}","{a["approved"]}","{a["deducted"]}","{a["paid"]}","{a["tds"]}","{a["deductions"]}",'
        f"{reason},,{utr}\n"
    )


C1_UTR, C3_UTR, N1_UTR = "HDFCN52026100800001", "ICIC0000777777", "SBIN0001122334"
FIRST_EXPORT = [
    # C1: submitted, a query (exported late, below) answered, partially approved, settled net of TDS, remitted:
    # matched. Decision 122 h after submission, over Star Health's 96 h.
    tpa("E1", "C1", "Claim", "Claim Submitted", "01/10/2026 10:00", claimed="1,00,000.00"),
    tpa("E3", "C1", "Claim", "Query Replied", "04/10/2026 10:00"),
    tpa(
        "E4", "C1", "Claim", "Partially Approved", "06/10/2026 12:00", approved="90,000.00",
        deductions="NME:6000:non-medical items;ROOM:4000:room rent cap",
    ),
    tpa("E5", "C1", "Claim", "Settled", "08/10/2026 10:00", paid="81,000.00", tds="9,000.00", utr=C1_UTR),
    tpa("E6", "C1", "Claim", "Remittance", "08/10/2026 10:00", paid="81,000.00", tds="9,000.00", utr=C1_UTR),
    # C2: denied, disputed, reopened, approved in full: a dispute is a new event. Never paid: Star Health's
    # 600 h from 02/10 10:00 ran out on 27/10 10:00, so overdue.
    tpa("E7", "C2", "Claim", "Claim Submitted", "02/10/2026 10:00", claimed="50,000.00"),
    tpa("E8", "C2", "Claim", "Repudiated", "05/10/2026 10:00", reason="R01"),
    tpa("E9", "C2", "Claim", "Disputed", "07/10/2026 10:00", reason="DSP"),
    tpa("E10", "C2", "Claim", "Reopened", "09/10/2026 10:00"),
    tpa("E11", "C2", "Claim", "Approved", "12/10/2026 10:00"),
    # C3: approved in full (40,000) but paid 30,000 + TDS 4,000: short_paid by 6,000.
    tpa("E12", "C3", "Claim", "Claim Submitted", "03/10/2026 10:00", claimed="40,000.00"),
    tpa("E13", "C3", "Claim", "Approved", "05/10/2026 10:00"),
    tpa("E14", "C3", "Claim", "Settled", "07/10/2026 10:00", paid="30,000.00", tds="4,000.00", utr=C3_UTR),
    # C5: a pre-authorisation approved and enhanced: preauth_approved, 18,000; no recon row (not a claim).
    tpa("E15", "C5", "Preauth", "Preauth Raised", "01/10/2026 09:00", claimed="20,000.00"),
    tpa("E16", "C5", "Preauth", "Preauth Approved", "01/10/2026 09:00", approved="15,000.00"),
    tpa("E17", "C5", "Preauth", "Enhancement Approved", "02/10/2026 09:00", approved="18,000.00"),
    # C6: a query raised and answered in the same minute (the answer listed first) reads raised, then
    # answered; then two queries and one answer: still query_pending. Undecided past the default 72 h.
    tpa("E18", "C6", "Claim", "Claim Submitted", "05/10/2026 09:00", NIVA, claimed="10,000.00"),
    tpa("E20", "C6", "Claim", "Query Replied", "06/10/2026 10:00", NIVA),
    tpa("E19", "C6", "Claim", "Query Raised", "06/10/2026 10:00", NIVA, reason="Q1"),
    tpa("E21", "C6", "Claim", "Query Raised", "07/10/2026 10:00", NIVA, reason="Q2"),
    tpa("E22", "C6", "Claim", "Query Raised", "07/10/2026 11:00", NIVA, reason="Q3"),
    tpa("E23", "C6", "Claim", "Query Replied", "08/10/2026 10:00", NIVA),
    # C7: approved on 25/10 and not paid yet, within the default 720 h: in_transit.
    tpa("E24", "C7", "Claim", "Claim Submitted", "20/10/2026 10:00", NIVA, claimed="10,000.00"),
    tpa("E25", "C7", "Claim", "Approved", "25/10/2026 10:00", NIVA),
]  # fmt: skip
# the query C1's answer (E3) answered, in a later export: it takes its place by event time
LATE_EXPORT = [tpa("E2", "C1", "Claim", "Query Raised", "03/10/2026 10:00", reason="Q01")]

# NHCX: CLM-N1 (visit IP200) submitted for 1,50,000, approved 1,40,000 less 7,500 + 2,500 of deductions,
# paid 1,38,600 (PaymentNotice: no TDS) with 1,400 TDS in the remittance advice: not short. No bank credit
# carries its UTR: bank_unmatched. CLM-N2 is only a remittance line (5,000.25): orphan_remittance.
NHCX = [
    message("corr-1", "call-1", bundle(claim("CLM-N1", "claim", 150000.00), "ClaimBundle")),
    message(
        "corr-1", "call-2",
        bundle(
            response("CLM-N1", "claim", "partial", 150000.00, 140000.00,
                     [("NME", "Non-medical expenses", 7500.00), ("ROOM", "Room rent cap", 2500.00)]),
            "ClaimResponseBundle", "b-2",
        ),
        sender=INSURER,
    ),
    message("corr-2", "call-3", notice("CLM-N1", N1_UTR, 138600.00), sender=INSURER),
    message(
        "corr-3", "call-4",
        reconciliation(N1_UTR, [("payment", "CLM-N1", 138600.00), ("tds", "CLM-N1", 1400.00),
                                ("payment", "CLM-N2", 5000.25)]),
        sender=INSURER,
    ),
]  # fmt: skip
# the ADT admission of visit IP200 (the example HIS register export): CLM-N1's episode
ADT = (
    "Txn No,Entered On,Event Time,Action,Visit Type,Visit No,Patient Name,DOB,Gender,Ward/Bed,From Ward/Bed,"
    "Dept Code,Doctor Code,Admitted On,Discharged On,Discharge Status,UHID,ABHA No\n"
    "A1,08/10/2026 09:00,08/10/2026 09:00,A,IPD,IP200,Kiran Rao,01/01/1980,Female,W1/B1,,SURG,D1,"
    "08/10/2026 09:00,,,MRN-1,\n"
)
# Star Health: decide in 96 h, pay in 600 h; anyone else: 72 h and 720 h
SLAS = (
    "tenant_id,insurer,tpa,decision_sla_hours,settlement_sla_hours\n"
    f"{TENANT},,,72,720\n{TENANT},{STAR},,96,600\n"
)
BANK = (
    "HDFC BANK Ltd.,,,,,,\nAccount No :,50100234567891,,,,,\nStatement From :,01/10/26 To : 31/10/26,,,,,\n"
    "Date,Narration,Chq./Ref.No.,Value Dt,Withdrawal Amt.,Deposit Amt.,Closing Balance\n"
    f'08/10/26,NEFT CR-{C1_UTR}-STAR HEALTH AND ALLIED,N281,08/10/26,,"81,000.00","1,81,000.00"\n'
    f'07/10/26,NEFT CR-STAR HEALTH CLAIM PAYOUT,{C3_UTR},07/10/26,,"30,000.00","2,11,000.00"\n'
    '14/10/26,CASH DEPOSIT BLR,CSH77,14/10/26,,"1,000.00","2,12,000.00"\n'
    "STATEMENT SUMMARY  :-,,,,,,\n"
)
FILES = {
    "claims/tpa/example_tpa/a_status.csv": TPA_HEADER + "".join(FIRST_EXPORT),
    "claims/tpa/example_tpa/b_status.csv": TPA_HEADER + "".join(LATE_EXPORT),
    "claims/nhcx/inbox.ndjson": "".join(json.dumps(m) + "\n" for m in NHCX),
    "adt/csv/example_his/register.csv": ADT,
    "reference/claim_slas.csv": SLAS,
    "bank/hdfc/Acct_Statement_Oct.csv": BANK,
}
FEEDS = ("claims_tpa", "claims_nhcx", "adt_csv", "reference", "bank_statements")
CLAIM_IDS = ("C1", "C2", "C3", "C5", "C6", "C7", "CLM-N1", "CLM-N2")
FOLDED = ("requested_paise", "preauth_approved_paise", "approved_paise", "deducted_paise", "paid_paise",
          "tds_paise", "remitted_paise", "remitted_tds_paise", "open_queries", "reason_code", "utr", "insurer",
          "tpa")  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    root = tmp_path_factory.mktemp("claim_marts")
    data = root / "data"
    for name, text in FILES.items():
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        (data / name).write_text(text)
    settings = warehouse_settings(f"chdb://{root / 'warehouse'}")
    with open_warehouse(settings) as warehouse:  # closed before dbt opens the directory
        create_raw_tables(warehouse)
        for feed in map(feed_named, FEEDS):
            for path in feed.files(data):  # a_status.csv before b_status.csv: the query is loaded late
                result = load_file(warehouse, feed, path, LoadContext(TENANT), source=path.name)
                assert result.rows_quarantined == 0 and result.rows_loaded, (path.name, result)
    selection = ("+fct_claims+", "+fct_claim_settlement_recon", "--indirect-selection", "cautious")
    result = run_dbt(settings, root, "build", "--select", *selection, "--vars", f"{{as_of: '{AS_OF}'}}")
    assert result.returncode == 0, dbt_failure(result)
    assert set(run_results(root).values()) <= {"success", "pass"}
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
