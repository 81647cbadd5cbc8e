"""The Razorpay settlement-recon feed: what it is, its one table, and the file it arrives in."""

from __future__ import annotations

from ingestion.spec import BANK_DAYS, Column, FeedSpec, TableSpec

_T = "DateTime('UTC')"

LINES = TableSpec(
    "razorpay_settlement_lines",
    "One row per line of a Razorpay settlement: a captured payment, a refund, an adjustment or a transfer, "
    "with the settlement (and its bank UTR) that paid it out. Amounts in paise; fee includes GST, tax is "
    "the GST part.",
    (
        Column("tenant_id", "String", "The clinic chain whose report this is."),
        Column(
            "entity_id",
            "String",
            "Razorpay id of the line's entity (payment `pay_…`, refund `rfnd_…`, adjustment…).",
        ),
        Column(
            "type",
            "String",
            "Line type, payment | refund | adjustment | transfer; settlement for a dashboard download's "
            "summary row (kept out of every net).",
        ),
        Column("debit", "Int64", "Amount taken out of the settlement (refunds), paise.", "financial"),
        Column(
            "credit", "Int64", "Amount paid into the settlement (payments, net of fee), paise.", "financial"
        ),
        Column("amount", "Int64", "Gross amount of the entity, paise.", "financial"),
        Column("currency", "String", "Currency, INR."),
        Column("fee", "Int64", "Razorpay's total fee INCLUDING GST, paise.", "financial"),
        Column("tax", "Int64", "The GST part of `fee`, paise.", "financial"),
        Column("on_hold", "UInt8", "1 when Razorpay holds the line back."),
        Column("settled", "UInt8", "1 when the line was settled."),
        Column("created_at", _T, "When the entity was created at Razorpay (UTC)."),
        Column("settled_at", f"Nullable({_T})", "When the settlement was paid out (UTC)."),
        Column(
            "settlement_id",
            "String",
            "Razorpay settlement id (`setl_…`); one settlement per branch per settlement day.",
        ),
        Column("posted_at", f"Nullable({_T})", "When the line was posted (UTC)."),
        Column("credit_type", "String", "Razorpay credit type."),
        Column("description", "String", "Free-text description.", "pii"),
        Column("notes", "String", "JSON object text; carries `booking_id` and `branch_id`.", "pii"),
        Column(
            "payment_id",
            "String",
            "For refund lines, the refunded payment; for payment lines, the payment itself.",
        ),
        Column(
            "settlement_utr",
            "String",
            "Bank UTR of the settlement's payout; it appears in the bank statement narration.",
        ),
        Column("order_id", "String", "Razorpay order id (`order_…`)."),
        Column("order_receipt", "String", "Merchant receipt of the order."),
        Column("method", "String", "Payment method, upi | card | wallet | netbanking."),
        Column("card_network", "String", "Card network for card payments.", "financial"),
        Column("card_issuer", "String", "Card issuer for card payments.", "financial"),
        Column("card_type", "String", "Card type (credit/debit) for card payments.", "financial"),
        Column("dispute_id", "String", "Dispute id when the line is part of a dispute."),
    ),
    key=("entity_id", "settlement_id"),
    event_time="settled_at",
)

# Where the settlement recon pull (ingestion/pull/settlement_recon.py) stores the API pages it fetched.
API_SUBFOLDER = "api"

SPEC = FeedSpec(
    name="razorpay_settlements",
    freshness=BANK_DAYS,
    description="Razorpay settlement reconciliation data (one file per settlement day, every branch's "
    "settlement of that day) in any of its formats (profiles.py): the recon API's JSON, the same items as "
    "CSV, or the Dashboard's download in rupees. Loaded with amounts converted to paise and times to UTC.",
    source="razorpay",
    folder="settlements/razorpay",
    patterns=("*.csv", "*.json"),
    subfolders=(API_SUBFOLDER,),  # pages pulled from the API: api/<yyyy-mm-dd>-p<NNN>[.v<KKK>].json
    tables=(LINES,),
    position="line",  # a CSV line, or a JSON item of the API's `collection`
    reader="engine",
    headers={LINES.name: tuple(LINES.column_names[1:])},  # the file has no tenant: the data directory does
)
