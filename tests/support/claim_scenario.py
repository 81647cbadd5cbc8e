"""A small hand-made insurance claims scenario for tests that build the claim marts with the real loader and a
real `dbt build` on chDB (tests/dbt_project/test_claim_marts.py, tests/exports/test_claim_dossiers.py): a
TPA's CSV export read by the built-in example mapping (in two files, the second bringing a query late), NHCX
messages, an ADT admission, the claim service levels and an HDFC bank statement. Each claim exercises one
rule of docs/claims.md; the expected states, statuses and figures are worked out by hand in the comments.

Times are IST (the mapping's zone; NHCX times carry +05:30). The as-of date is 2026-10-31: its end, the
instant open states are timed to, is 2026-11-01 00:00 IST.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from core.settings import WarehouseSettings, warehouse_settings
from core.warehouse import Warehouse, open_warehouse
from ingestion.feeds import LoadContext, feed_named
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables
from support.nhcx_messages import INSURER, bundle, claim, message, notice, reconciliation, response

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


def load_claim_scenario(warehouse: Warehouse, data: Path) -> None:
    """Write FILES under `data` and load them into `warehouse` (raw tables created); nothing is quarantined."""
    for name, text in FILES.items():
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        (data / name).write_text(text)
    create_raw_tables(warehouse)
    for feed in map(feed_named, FEEDS):
        for path in feed.files(data):  # a_status.csv before b_status.csv: the query is loaded late
            result = load_file(warehouse, feed, path, LoadContext(TENANT), source=path.name)
            assert result.rows_quarantined == 0 and result.rows_loaded, (path.name, result)


def build_claim_marts(root: Path, *selection: str) -> WarehouseSettings:
    """A warehouse under `root` with the scenario loaded and `dbt build --select <selection>` run on it as of
    AS_OF (real dbt; its tests must pass)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt_project"))  # the dbt tests' runner
    from dbt_runner import dbt_failure, run_dbt, run_results

    settings = warehouse_settings(f"chdb://{root / 'warehouse'}")
    with open_warehouse(settings) as warehouse:  # closed before dbt opens the directory
        load_claim_scenario(warehouse, root / "data")
    result = run_dbt(settings, root, "build", "--select", *selection, "--indirect-selection", "cautious",
                     "--vars", f"{{as_of: '{AS_OF}'}}")  # fmt: skip
    assert result.returncode == 0, dbt_failure(result)
    assert set(run_results(root).values()) <= {"success", "pass"}
    return settings
