"""NHCX claim messages (HCX protocol headers + FHIR R4 payload) parsed with fhir.resources.R4B: a ClaimBundle, a
ClaimResponseBundle with item deductions, a PaymentNotice and a PaymentReconciliation become claim events; a
redelivery (same correlation id) is stored once; a payload that does not parse or breaks the profile's
cardinality is quarantined with the FHIR path and the reason.

The bundles are written here after the shape of the NHCX implementation guide's examples (collection Bundles
profiled ClaimBundle / ClaimResponseBundle, the Claim first, its Patient, Coverage and Organizations after)."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path

from support.nhcx_messages import (
    HOSPITAL,
    INSURER,
    bundle,
    claim,
    concept,
    message,
    notice,
    reconciliation,
    response,
)

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.claims_nhcx import FEED
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables

TENANT = "tnt_claims_nhcx"
GOOD = [
    message("corr-1", "call-1", bundle(claim("CLM-N1", "claim", 150000.00), "ClaimBundle")),
    message(
        "corr-1",
        "call-2",
        bundle(
            response(
                "CLM-N1",
                "claim",
                "partial",
                150000.00,
                140000.00,
                [("NME", "Non-medical expenses", 7500.00), ("ROOM", "Room rent cap", 2500.00)],
            ),
            "ClaimResponseBundle",
            "b-2",
        ),
        sender=INSURER,
    ),
    message("corr-2", "call-3", notice("CLM-N1", "SBIN0001122334", 138600.00), sender=INSURER),
    message(
        "corr-3",
        "call-4",
        reconciliation(
            "SBIN0001122334",
            [("payment", "CLM-N1", 138600.00), ("tds", "CLM-N1", 1400.00), ("payment", "CLM-N2", 5000.25)],
        ),
        sender=INSURER,
    ),
]


def _bad_cases() -> list[tuple[str, str]]:
    two_claims = bundle(claim("CLM-X1", "claim", 10.0), "ClaimBundle")
    two_claims["entry"].append({"fullUrl": "urn:uuid:c2", "resource": claim("CLM-X2", "claim", 10.0)})
    no_total = bundle(claim("CLM-X3", "claim", 10.0), "ClaimBundle")
    del no_total["entry"][0]["resource"]["total"]
    bad_status = bundle(claim("CLM-X4", "claim", 10.0), "ClaimBundle")
    bad_status["entry"][0]["resource"]["priority"] = "urgent"
    wrong_profile = bundle(claim("CLM-X5", "claim", 10.0), "ClaimResponseBundle")
    no_header = message("corr-x6", "call-x6", bundle(claim("CLM-X6", "claim", 10.0), "ClaimBundle"))
    del no_header["headers"]["x-hcx-correlation_id"]
    fraction = bundle(claim("CLM-X7", "claim", 10.005), "ClaimBundle")
    return [
        (json.dumps(message("corr-x1", "call-x1", two_claims)), "found Claim, Claim"),
        (json.dumps(message("corr-x3", "call-x3", no_total)),
         "payload: Bundle.entry[0].resource: Claim.total: 0 found, the NHCX profile requires 1..1"),
        (json.dumps(message("corr-x4", "call-x4", bad_status)),
         "payload is not valid FHIR R4: Bundle.entry[0].resource.priority"),
        (json.dumps(message("corr-x5", "call-x5", wrong_profile)), "is not ClaimBundle, which a Claim comes in"),
        (json.dumps(no_header), "headers.x-hcx-correlation_id is missing"),
        (json.dumps(message("corr-x7", "call-x7", fraction)), "Claim.total.value 10.005 is not a whole number of paise"),
        ('{"headers": {}, "payload": ', "not JSON"),
    ]  # fmt: skip


def _ndjson(path: Path, messages: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(m + "\n" for m in messages))
    return path


def test_messages_become_claim_events_and_bad_ones_are_quarantined_with_the_fhir_path(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    create_raw_tables(warehouse)
    bad = _bad_cases()
    path = _ndjson(tmp_path / "claims/nhcx/inbox.ndjson", [json.dumps(m) for m in GOOD] + [b for b, _ in bad])
    result = load_file(warehouse, FEED, path, LoadContext(TENANT), source="nhcx/inbox.ndjson")
    # the reconciliation's two claims give two remittance lines
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (5, len(bad))
    rows = warehouse.rows(
        "select source, sender, message_id, api_call_id, correlation_id, workflow_id, claim_id, claim_kind, "
        "event_type, event_time, insurer, branch_id, visit_number, policy_number, requested_paise, "
        "approved_paise, deducted_paise, paid_paise, tds_paise, utr, deductions "
        f"from raw.claims_nhcx_events where tenant_id = '{TENANT}' order by _source_line, message_id"
    )
    submitted, decided = datetime(2026, 10, 10, 4, 30), datetime(2026, 10, 12, 10, 30)
    noticed, reconciled = datetime(2026, 10, 14, 5, 30), datetime(2026, 10, 14, 6, 30)
    assert [r[:20] for r in rows] == [
        ("nhcx", HOSPITAL, "corr-1/claim_submitted", "call-1", "corr-1", "wf-0001", "CLM-N1", "claim",
         "claim_submitted", submitted, INSURER, "br_blr01", "IP200", "POL-555", 15_000_000, None, None, None,
         None, ""),
        ("nhcx", INSURER, "corr-1/approved_partial", "call-2", "corr-1", "wf-0001", "CLM-N1", "claim",
         "approved_partial", decided, INSURER, "br_blr01", "", "POL-555", 15_000_000, 14_000_000, 1_000_000,
         None, None, ""),
        ("nhcx", INSURER, "corr-2/settled", "call-3", "corr-2", "wf-0001", "CLM-N1", "claim", "settled",
         noticed, "", "", "", "", None, None, None, 13_860_000, None, "SBIN0001122334"),
        ("nhcx", INSURER, "corr-3/remittance_line#1", "call-4", "corr-3", "wf-0001", "CLM-N1", "claim",
         "remittance_line", reconciled, INSURER, "", "", "", None, None, None, 13_860_000, 140_000,
         "SBIN0001122334"),
        ("nhcx", INSURER, "corr-3/remittance_line#2", "call-4", "corr-3", "wf-0001", "CLM-N2", "claim",
         "remittance_line", reconciled, INSURER, "", "", "", None, None, None, 500_025, 0, "SBIN0001122334"),
    ]  # fmt: skip
    assert json.loads(rows[1][20]) == [
        {"code": "NME", "reason": "Non-medical expenses", "amount_paise": 750_000},
        {"code": "ROOM", "reason": "Room rent cap", "amount_paise": 250_000},
    ]
    reasons = warehouse.rows(
        "select _source_line, reason from raw.quarantine where _source_file = 'nhcx/inbox.ndjson' "
        "order by _source_line"
    )
    assert [line for line, _ in reasons] == list(range(len(GOOD) + 1, len(GOOD) + len(bad) + 1))
    for (_, reason), (_, why) in zip(reasons, bad, strict=True):
        assert why in reason, (why, reason)


def test_a_redelivery_is_stored_once_whatever_its_api_call_id(warehouse: Warehouse, tmp_path: Path) -> None:
    create_raw_tables(warehouse)
    context = LoadContext("tnt_redelivered")
    first = message("corr-r", "call-r1", bundle(claim("CLM-R", "preauthorization", 80000.00), "ClaimBundle"))
    path = tmp_path / "claims/nhcx/msg-1.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(first))
    assert load_file(warehouse, FEED, path, context, source="msg-1.json").rows_loaded == 1
    # NHCX redelivers: the same message again (same api call id), then under a new api call id, in one file
    again = copy.deepcopy(first)
    again["headers"]["x-hcx-api_call_id"] = "call-r2"
    redelivered = _ndjson(
        tmp_path / "claims/nhcx/redeliveries.ndjson", [json.dumps(first), json.dumps(again)]
    )
    result = load_file(warehouse, FEED, redelivered, context, source="redeliveries.ndjson")
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (0, 0)
    rows = warehouse.rows(
        "select message_id, api_call_id, event_type, claim_kind, requested_paise from raw.claims_nhcx_events "
        "where tenant_id = 'tnt_redelivered'"
    )
    assert rows == [("corr-r/preauth_requested", "call-r1", "preauth_requested", "preauth", 8_000_000)]


def test_preauth_decisions_and_a_denial(warehouse: Warehouse, tmp_path: Path) -> None:
    create_raw_tables(warehouse)
    denial = response("CLM-D", "claim", "error", 30000.00, 0.0)
    denial["error"] = [
        {"code": concept("https://nhcx.example/denial-reasons", "D07", "Not covered: cosmetic")}
    ]
    messages = [
        message("c-p", "a-1", bundle(response("PA-1", "preauthorization", "complete", 80000.0, 75000.0), "ClaimResponseBundle")),
        message("c-q", "a-2", bundle(response("CLM-Q", "claim", "queued", 30000.0, 0.0), "ClaimResponseBundle")),
        message("c-d", "a-3", bundle(denial, "ClaimResponseBundle")),
        message("c-f", "a-4", bundle(response("CLM-F", "claim", "complete", 30000.0, 30000.0), "ClaimResponseBundle")),
    ]  # fmt: skip
    path = _ndjson(tmp_path / "claims/nhcx/decisions.ndjson", [json.dumps(m) for m in messages])
    result = load_file(warehouse, FEED, path, LoadContext("tnt_decisions"), source="decisions.ndjson")
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (4, 0)
    rows = warehouse.rows(
        "select claim_id, claim_kind, event_type, approved_paise, reason_code, remarks "
        "from raw.claims_nhcx_events where tenant_id = 'tnt_decisions' order by _source_line"
    )
    assert rows == [
        ("PA-1", "preauth", "preauth_approved", 7_500_000, "", ""),
        ("CLM-Q", "claim", "query_raised", 0, "", ""),
        ("CLM-D", "claim", "denied", 0, "D07", "Not covered: cosmetic"),
        ("CLM-F", "claim", "approved_full", 3_000_000, "", ""),
    ]
