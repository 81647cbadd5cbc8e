"""The clinic chain's bank statement (CSV: dates DD/MM/YYYY, amounts in rupees with two decimals)."""

from __future__ import annotations

from ingestion.spec import Column, FeedSpec, TableSpec

LINES = TableSpec(
    "bank_statement_lines",
    "One row per bank statement line (amounts converted from rupees to paise). Natural key is the whole row.",
    (
        Column("tenant_id", "String", "The clinic chain whose account this is."),
        Column(
            "account_file", "String", "Name of the statement file (without extension) the line came from."
        ),
        Column("txn_date", "Date", "Transaction date."),
        Column("value_date", "Date", "Value date."),
        Column(
            "narration",
            "String",
            "Bank narration; a settlement UTR appears in it as a space- or dash-separated token. May name the payer.",
            "pii",
        ),
        Column("ref_no", "String", "Bank reference number."),
        Column("debit_paise", "Int64", "Amount debited, paise.", "financial"),
        Column("credit_paise", "Int64", "Amount credited, paise.", "financial"),
        Column("balance_paise", "Int64", "Running balance after the line, paise.", "financial"),
    ),
    key=(
        "tenant_id",
        "account_file",
        "txn_date",
        "value_date",
        "narration",
        "ref_no",
        "debit_paise",
        "credit_paise",
        "balance_paise",
    ),
)

SPEC = FeedSpec(
    name="bank_statements",
    description="The clinic chain's bank account statement, loaded as-is by the ingestion step (rupees "
    "converted to paise). Razorpay payouts show up here as credits whose narration carries the settlement UTR.",
    source="bank",
    folder="bank",
    patterns=("*.csv",),
    tables=(LINES,),
    position="line",
    reader="python",
    headers={LINES.name: ("txn_date", "value_date", "narration", "ref_no", "debit", "credit", "balance")},
)
