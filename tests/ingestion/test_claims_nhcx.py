"""NHCX claim messages (HCX protocol headers + FHIR R4 payload) parsed with fhir.resources.R4B: a ClaimBundle, a
ClaimResponseBundle with item deductions, a PaymentNotice and a PaymentReconciliation become claim events; a
redelivery (same correlation id) is stored once; a payload that does not parse or breaks the profile's
cardinality is quarantined with the FHIR path and the reason.

The bundles are written here after the shape of the NHCX implementation guide's examples (collection Bundles
profiled ClaimBundle / ClaimResponseBundle, the Claim first, its Patient, Coverage and Organizations after)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

from support.nhcx_messages import (
    ADJUDICATION,
    HOSPITAL,
    INSURER,
    bundle,
    claim,
    communication,
    communication_request,
    concept,
    enhancement,
    inr,
    message,
    notice,
    reconciliation,
    response,
    task,
    task_bundle,
)

from core.warehouse import Warehouse
from ingestion.claims_state import ClaimEvent, fold
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
    about_nothing = communication_request("Q-X8", {"display": "the claim"}, ["Discharge summary"])
    no_authored = communication_request("Q-X9", {"identifier": {"value": "CLM-X9"}}, ["Bill"])
    del no_authored["authoredOn"]
    empty_answer = communication("Q-X10", {"identifier": {"value": "CLM-X10"}}, "")
    empty_answer["payload"] = []
    del empty_answer["payload"]
    two_answers = task_bundle(
        [
            communication("Q-X11", {"identifier": {"value": "CLM-X11"}}, "a"),
            {**communication("Q-X12", {"identifier": {"value": "CLM-X11"}}, "b"), "id": "comm-2"},
        ],
        "b-x11",
    )
    unnamed_prior = enhancement("PA-X13", 10.0)
    unnamed_prior["related"][0]["claim"] = {"display": "the earlier one"}
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
        (json.dumps(message("corr-x8", "call-x8", about_nothing, sender=INSURER)),
         "payload: CommunicationRequest.about: names no claim"),
        (json.dumps(message("corr-x9", "call-x9", no_authored, sender=INSURER)),
         "payload: CommunicationRequest.authoredOn: 0 found, the NHCX profile requires 1..1"),
        (json.dumps(message("corr-x10", "call-x10", empty_answer)),
         "payload: Communication.payload: 0 found, the NHCX profile requires 1..*"),
        (json.dumps(message("corr-x11", "call-x11", two_answers)), "found Communication, Communication"),
        (json.dumps(message("corr-x13", "call-x13", bundle(unnamed_prior, "ClaimBundle"))),
         "payload: Bundle.entry[0].resource: Claim.related[0].claim: names no claim"),
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


def _load_messages(warehouse: Warehouse, tmp_path: Path, tenant: str, messages: list[dict]) -> list[tuple]:
    create_raw_tables(warehouse)
    path = _ndjson(tmp_path / f"claims/nhcx/{tenant}.ndjson", [json.dumps(m) for m in messages])
    result = load_file(warehouse, FEED, path, LoadContext(tenant), source=f"{tenant}.ndjson")
    assert result.conserved and result.rows_quarantined == 0, result
    return warehouse.rows(
        "select message_id, sender, claim_id, claim_kind, event_type, event_time, requested_paise, "
        "approved_paise, reason_code, remarks from raw.claims_nhcx_events "
        f"where tenant_id = '{tenant}' order by event_time, message_id"
    )


def test_a_query_cycle_by_communication_request_and_answer_redelivered(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """The payer's query as NHCX's TaskBundle (the request basedOn the Claim it carries) and the provider's
    answer (its Communication about that Claim, the request echoed); a second query of the same cycle as a bare
    CommunicationRequest (HCX), its reason its category, answered without `sent`. Redelivered, stored once."""
    queried = claim("CLM-Q1", "claim", 50000.0)
    request = communication_request("Q-1", {"reference": "urn:uuid:claim-CLM-Q1"}, [], reason="Q-DS")
    request["about"], request["basedOn"] = [], [{"reference": "urn:uuid:claim-CLM-Q1"}]
    request["payload"] = [{"contentString": "Discharge summary"}, {"contentString": "Final bill breakup"}]
    query = task_bundle(
        [task("poll", "requested", "urn:uuid:cr-Q-1", "additionalinfo"), request, queried], "b-q1"
    )
    answer = communication(
        "Q-1",
        {"reference": "urn:uuid:claim-CLM-Q1"},
        "Uploaded both",
        "2026-10-12T08:15:00+05:30",
        based_on="urn:uuid:cr-Q-1",
    )
    answered = task_bundle(
        [task("deliver", "completed", "urn:uuid:comm-Q-1"), answer, request, queried], "b-a1"
    )
    second = communication_request(
        "Q-2", {"identifier": {"value": "CLM-Q1"}}, ["ICU notes"], at="2026-10-12T10:00:00+05:30"
    )
    second["category"] = [concept("https://payer.example/query-categories", "Q-CLIN")]
    second_answer = communication("Q-2", {"identifier": {"value": "CLM-Q1"}}, "ICU notes attached")
    messages = [
        message("corr-q", "call-q1", query, sender=INSURER),
        message("corr-q", "call-q2", answered, at="2026-10-12T08:15:05+05:30"),
        message("corr-q", "call-q3", second, sender=INSURER),
        message("corr-q", "call-q4", second_answer, at="2026-10-12T13:00:00+05:30"),
    ]
    redelivered = [
        {**m, "headers": {**m["headers"], "x-hcx-api_call_id": f"again-{n}"}} for n, m in enumerate(messages)
    ]
    rows = _load_messages(warehouse, tmp_path, "tnt_query_cycle", messages + redelivered)
    assert rows == [
        ("corr-q/query_raised/Q-1", INSURER, "CLM-Q1", "claim", "query_raised", datetime(2026, 10, 11, 3, 30),
         None, None, "Q-DS", "Discharge summary; Final bill breakup"),
        ("corr-q/query_answered/Q-1", HOSPITAL, "CLM-Q1", "claim", "query_answered",
         datetime(2026, 10, 12, 2, 45), None, None, "", "Uploaded both; [attachment: Discharge summary]"),
        ("corr-q/query_raised/Q-2", INSURER, "CLM-Q1", "claim", "query_raised", datetime(2026, 10, 12, 4, 30),
         None, None, "Q-CLIN", "ICU notes"),
        # no `sent`: the message's x-hcx-timestamp
        ("corr-q/query_answered/Q-2", HOSPITAL, "CLM-Q1", "claim", "query_answered",
         datetime(2026, 10, 12, 7, 30), None, None, "", "ICU notes attached; [attachment: Discharge summary]"),
    ]  # fmt: skip
    events = [
        ClaimEvent(
            event_time=r[5].replace(tzinfo=UTC),
            event_type=r[4],
            source="nhcx",
            message_id=r[0],
            reason_code=r[8],
        )
        for r in rows
    ]
    assert fold("CLM-Q1", events, as_of=datetime(2026, 10, 12, 5, 0, tzinfo=UTC)).state == "query_pending"
    final = fold("CLM-Q1", events)
    assert (final.state, final.open_queries, final.reason_code) == ("submitted", 0, "Q-CLIN")


def test_a_preauth_enhancement_and_its_approval(warehouse: Warehouse, tmp_path: Path) -> None:
    """An enhancement is a new pre-authorisation Claim (its own correlation id) naming the earlier one in
    `related` (or, as NHCX's pins, at `.../preauth/enhancement`); its approval states the eligible total above
    this round's benefit. The fold's pre-authorised total is the enhanced one."""
    approval = response(
        "PA-E1", "preauthorization", "complete", 80000.0, 80000.0, created="2026-10-10T12:00:00+05:30"
    )
    enhanced = response(
        "PA-E1", "preauthorization", "complete", 120000.0, 40000.0, created="2026-10-11T15:00:00+05:30"
    )
    enhanced["total"].append({"category": concept(ADJUDICATION, "eligible"), "amount": inr(120000.0)})
    by_anchor = bundle(
        claim("PA-E2", "preauthorization", 90000.0, "2026-10-11T13:00:00+05:30"), "ClaimBundle", "b-e2"
    )
    by_anchor["entry"][0]["fullUrl"] = "https://nhcx.abdm.gov.in/preauth/enhancement"
    messages = [
        message("corr-p", "call-p1", bundle(claim("PA-E1", "preauthorization", 80000.0), "ClaimBundle")),
        message("corr-p", "call-p2", bundle(approval, "ClaimResponseBundle", "b-p2"), sender=INSURER),
        message("corr-e", "call-e1", bundle(enhancement("PA-E1", 120000.0), "ClaimBundle", "b-e1")),
        message("corr-e", "call-e2", bundle(enhanced, "ClaimResponseBundle", "b-e3"), sender=INSURER),
        message("corr-e2", "call-e3", by_anchor),
    ]
    again = {**messages[2], "headers": {**messages[2]["headers"], "x-hcx-api_call_id": "call-e1-again"}}
    rows = _load_messages(warehouse, tmp_path, "tnt_enhanced", [*messages, again, messages[3]])
    assert [r[:8] for r in rows] == [
        ("corr-p/preauth_requested", HOSPITAL, "PA-E1", "preauth", "preauth_requested",
         datetime(2026, 10, 10, 4, 30), 8_000_000, None),
        ("corr-p/preauth_approved", INSURER, "PA-E1", "preauth", "preauth_approved",
         datetime(2026, 10, 10, 6, 30), 8_000_000, 8_000_000),
        ("corr-e/preauth_enhanced/requested", HOSPITAL, "PA-E1", "preauth", "preauth_enhanced",
         datetime(2026, 10, 11, 6, 30), 12_000_000, None),
        ("corr-e2/preauth_enhanced/requested", HOSPITAL, "PA-E2", "preauth", "preauth_enhanced",
         datetime(2026, 10, 11, 7, 30), 9_000_000, None),
        ("corr-e/preauth_enhanced", INSURER, "PA-E1", "preauth", "preauth_enhanced",
         datetime(2026, 10, 11, 9, 30), 12_000_000, 12_000_000),
    ]  # fmt: skip
    events = [
        ClaimEvent(event_time=r[5].replace(tzinfo=UTC), event_type=r[4], source="nhcx", message_id=r[0], requested_paise=r[6], approved_paise=r[7])
        for r in rows
        if r[2] == "PA-E1"
    ]  # fmt: skip
    asked = fold("PA-E1", events, as_of=datetime(2026, 10, 11, 8, 0, tzinfo=UTC))
    assert (asked.state, asked.preauth_approved_paise) == ("preauth_approved", 8_000_000)
    final = fold("PA-E1", events)
    assert (final.state, final.preauth_approved_paise) == ("preauth_approved", 12_000_000)
