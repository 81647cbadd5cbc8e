"""Settlement reports of gateways other than Razorpay (`settlements/<gateway>/`): Cashfree built in, any
other through a mapping the chain writes (`settlements/<gateway>/profile.yaml`)."""

from __future__ import annotations

from ingestion.feeds.razorpay_settlements.spec import LINES as RAZORPAY_LINES
from ingestion.spec import BANK_DAYS, Column, FeedSpec, TableSpec

LINES = TableSpec(
    "gateway_settlement_lines",
    "One row per line of another gateway's settlement report, in the canonical settlement-line fields "
    "(the Razorpay recon names): amounts converted to paise by the format's unit, `fee` including GST, "
    "times in UTC, credit or debit by the line's direction.",
    (
        RAZORPAY_LINES.columns[0],
        Column("gateway", "String", "The gateway (its folder under settlements/), e.g. cashfree."),
        Column(
            "profile", "String", "The format the file was read as (a built-in profile or the chain's YAML)."
        ),
        *RAZORPAY_LINES.columns[1:],
    ),
    key=("gateway", "entity_id", "settlement_id"),
    event_time="settled_at",
)

SPEC = FeedSpec(
    name="gateway_settlements",
    freshness=BANK_DAYS,
    description="Settlement reports of payment gateways other than Razorpay, one folder per gateway "
    "(settlements/<gateway>/), read through the gateway's profile: Cashfree's settlement recon report, or "
    "a mapping the chain declares in settlements/<gateway>/profile.yaml.",
    source="gateways",
    folder="settlements",
    patterns=("*.csv",),
    tables=(LINES,),
    position="line",
    reader="engine",  # no fixed header: each gateway's profile names its columns
    subfolders=("*",),  # settlements/<gateway>/, one per gateway
    other_feeds_subfolders=("razorpay",),  # Razorpay's own feed (razorpay_settlements)
    config_files=("profile.yaml",),
)
