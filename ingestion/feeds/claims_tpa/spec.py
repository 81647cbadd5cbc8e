"""Insurance claim lifecycle events exported by a TPA as CSV or NDJSON, one folder per TPA format with its YAML mapping (codes, amounts, deduction lines)."""

from __future__ import annotations

from ingestion.claim_event import CLAIM_EVENT_COLUMNS, CLAIM_EVENT_KEY, CLAIM_EVENT_TYPE_NAMES
from ingestion.spec import FeedSpec, Freshness, TableSpec

EVENTS = TableSpec(
    "claims_tpa_events",
    "One row per claim lifecycle event (pre-auth, submission, query, adjudication, settlement, remittance "
    "line, dispute) from a TPA's CSV or NDJSON export, read through the format's declarative mapping "
    "(claims/tpa/<tpa>/mapping.yaml). Append-only: a dispute or reopen is a new event.",
    CLAIM_EVENT_COLUMNS,
    key=CLAIM_EVENT_KEY,
    observed_at="api_call_id",  # '' for a TPA; the column is shared with NHCX (ingestion/claim_event.py)
    event_time="event_time",
)

SPEC = FeedSpec(
    name="claims_tpa",
    freshness=Freshness(7 * 24, 14 * 24, "TPA exports arrive a few times a week"),
    description="Insurance claim lifecycle events exported by a TPA as CSV or NDJSON, one folder per TPA format with its YAML mapping (codes, amounts, deduction lines).",
    source="claims",
    folder="claims/tpa",
    patterns=("*.csv", "*.ndjson", "*.jsonl"),
    tables=(EVENTS,),
    position="line",
    reader="python",
    subfolders=("*",),  # claims/tpa/<tpa>/: one folder per TPA export format
    config_files=("mapping.yaml",),  # the format's declarative mapping
)

# The CloudEvents a claim's events are published as (the platform's event contract, docs/claims.md).
EVENT_TYPE_NAMES: tuple[str, ...] = CLAIM_EVENT_TYPE_NAMES
