"""Razorpay's answers about refunds the reconciliation found overdue: their status history."""

from __future__ import annotations

from ingestion.spec import UNSCHEDULED, Column, FeedSpec, TableSpec

_T = "DateTime('UTC')"

STATUSES = TableSpec(
    "razorpay_refund_statuses",
    "What Razorpay answered when asked about a refund (GET /v1/refunds/{id}): its status, the bank's "
    "reference once processed, or that it has no record of the refund. A history: a row per change of the "
    "answer; an answer repeated on a later check adds nothing.",
    (
        Column("tenant_id", "String", "The clinic chain whose Razorpay account was asked."),
        Column("refund_id", "String", "The refund asked about (`rfnd_…`)."),
        Column("checked_at", "DateTime64(3, 'UTC')", "When Razorpay gave this answer first (UTC)."),
        Column("http_status", "UInt16", "HTTP status of the answer: 200, or 400/404 for an unknown id."),
        Column("answer", "String", "found (Razorpay knows the refund) | not_found (it has no record of it)."),
        Column(
            "refund_status",
            "String",
            "Razorpay's status of the refund, pending | processed | failed; '' when not found.",
        ),
        Column("payment_id", "String", "The refunded payment per Razorpay; '' when not found."),
        Column("amount", "Int64", "Refund amount per Razorpay, paise; 0 when not found.", "financial"),
        Column("currency", "String", "Currency per Razorpay; '' when not found."),
        Column(
            "arn", "String", "`acquirer_data.arn`: the bank's reference for a processed refund; '' when none."
        ),
        Column(
            "rrn",
            "String",
            "`acquirer_data.rrn`: the retrieval reference (UPI and some cards); '' when none.",
        ),
        Column(
            "acquirer_data", "String", "`acquirer_data` as Razorpay sent it (JSON text), ARN / RRN / UTR."
        ),
        Column(
            "refund_created_at",
            f"Nullable({_T})",
            "When Razorpay created the refund (UTC); null when not found.",
        ),
        Column(
            "processed_at",
            f"Nullable({_T})",
            "When Razorpay processed it (UTC), when its answer says; else null.",
        ),
        Column("speed_processed", "String", "normal | instant per Razorpay; '' when not given."),
        Column("error_code", "String", "Razorpay's error code when not found (BAD_REQUEST_ERROR); else ''."),
        Column("error_description", "String", "Razorpay's error description when not found; else ''."),
    ),
    key=("tenant_id", "refund_id"),
    versioned=True,  # a changed answer is the refund's new current status
    observed_at="checked_at",  # the same answer on a later check is not a new row
    event_time="checked_at",
)

SPEC = FeedSpec(
    name="razorpay_refund_status",
    freshness=UNSCHEDULED,
    description="Razorpay's answers about refunds, asked for by the platform's refund status check (one "
    "NDJSON file per check: a line per refund asked about, the gateway's answer in it as received).",
    source="razorpay",
    folder="gateway/razorpay/refund_status",
    patterns=("*.ndjson",),
    tables=(STATUSES,),
    position="line",
    reader="python",
)
