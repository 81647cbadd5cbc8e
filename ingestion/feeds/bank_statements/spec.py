"""The clinic chain's bank statements as banks deliver them: CSV or XLSX, one layout per bank profile."""

from __future__ import annotations

from ingestion.spec import BANK_DAYS, Column, FeedSpec, TableSpec

LINES = TableSpec(
    "bank_statement_lines",
    "One row per bank statement line (amounts converted from rupees to paise). A line is identified by its "
    "account and its own fields, never by the file it came in, so a day downloaded twice (statements for "
    "1-15 and 10-31 October) loads once: the second copy is skipped as a duplicate. Two different lines "
    "with every field equal cannot occur, because the running balance after each line differs (two equal "
    "amounts on one day leave different balances). Natural key is the whole row.",
    (
        Column("tenant_id", "String", "The clinic chain whose account this is."),
        Column(
            "account_number",
            "String",
            "The bank account the statement is of: from its header block, else the bank profile, else the "
            "9-18 digit number in the file name (leading zeros dropped); empty when nothing states it.",
            "financial",
        ),
        Column("txn_date", "Date", "Transaction date."),
        Column("value_date", "Date", "Value date (the transaction date when the statement gives none)."),
        Column(
            "narration",
            "String",
            "Bank narration; a settlement UTR may appear in it as a token. May name the payer.",
            "pii",
        ),
        Column("ref_no", "String", "Bank reference (cheque or reference number); may be the settlement UTR."),
        Column("debit_paise", "Int64", "Amount debited, paise.", "financial"),
        Column("credit_paise", "Int64", "Amount credited, paise.", "financial"),
        Column("balance_paise", "Int64", "Running balance after the line, paise.", "financial"),
    ),
    key=(
        "tenant_id",
        "account_number",
        "txn_date",
        "value_date",
        "narration",
        "ref_no",
        "debit_paise",
        "credit_paise",
        "balance_paise",
    ),
    event_time="txn_date",
)

SPEC = FeedSpec(
    name="bank_statements",
    freshness=BANK_DAYS,
    description="The clinic chain's bank account statements as the banks deliver them (CSV or XLSX in "
    "a bank profile's layout, rupees converted to paise). Razorpay payouts show up here as credits whose "
    "narration or reference carries the settlement UTR.",
    source="bank",
    folder="bank",
    patterns=("*.csv", "*.xlsx"),
    tables=(LINES,),
    position="line",
    reader="python",
    # The platform's own layout (plain bank/*.csv); bank/<profile>/ holds a bank's layout (reader.py).
    headers={LINES.name: ("txn_date", "value_date", "narration", "ref_no", "debit", "credit", "balance")},
    subfolders=("*",),  # bank/<profile>/, one per bank layout
    config_files=("profile.yaml",),
)
