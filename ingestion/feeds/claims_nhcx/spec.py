"""Insurance claim messages from the National Health Claims Exchange (NHCX): ClaimBundle, ClaimResponseBundle, the query cycle's CommunicationRequest and Communication, PaymentReconciliation and PaymentNotice, parsed with fhir.resources (R4B), with the HCX protocol headers."""

from __future__ import annotations

from ingestion.claim_event import CLAIM_EVENT_COLUMNS, CLAIM_EVENT_KEY, CLAIM_EVENT_TYPE_NAMES
from ingestion.spec import FeedSpec, Freshness, TableSpec

EVENTS = TableSpec(
    "claims_nhcx_events",
    "One row per claim lifecycle event stated by an NHCX message (a ClaimBundle's pre-auth request or claim, "
    "a pre-auth enhancement, a ClaimResponseBundle's decision with its deductions, a payer's query "
    "(CommunicationRequest) and its answer (Communication), a PaymentNotice's settlement, a "
    "PaymentReconciliation's remittance lines). A redelivered message (same correlation id) is stored once. "
    "Append-only.",
    CLAIM_EVENT_COLUMNS,
    key=CLAIM_EVENT_KEY,
    observed_at="api_call_id",  # a redelivery under another x-hcx-api_call_id is the same row
    event_time="event_time",
)

SPEC = FeedSpec(
    name="claims_nhcx",
    freshness=Freshness(
        7 * 24, 14 * 24, "claims move when insurers and TPAs answer: a week without one is unusual"
    ),
    description="Insurance claim messages from the National Health Claims Exchange (NHCX): ClaimBundle, ClaimResponseBundle, the query cycle's CommunicationRequest and Communication, PaymentReconciliation and PaymentNotice, parsed with fhir.resources (R4B), with the HCX protocol headers.",
    source="claims",
    folder="claims/nhcx",
    patterns=("*.json", "*.ndjson"),
    tables=(EVENTS,),
    position="json_item",
    reader="python",
)

# The CloudEvents a claim's events are published as (the platform's event contract, docs/claims.md).
EVENT_TYPE_NAMES: tuple[str, ...] = CLAIM_EVENT_TYPE_NAMES
