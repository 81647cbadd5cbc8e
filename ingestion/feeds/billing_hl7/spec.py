"""HL7 v2 DFT^P03 (post detail financial transactions) from the hospital's HIS: one row per FT1 charge line of the episode's interim and final bills, parsed with python-hl7."""

from __future__ import annotations

from ingestion.charge_line import CHARGE_LINE_COLUMNS, CHARGE_LINE_KEY
from ingestion.spec import DAILY, FeedSpec, TableSpec

LINES = TableSpec(
    "hl7_charge_lines",
    "One row per FT1 charge line of an HL7 v2 DFT^P03 message from a file drop (billing/*.hl7: single, batch FHS/BHS or MLLP-framed). Append-only.",
    CHARGE_LINE_COLUMNS,
    key=CHARGE_LINE_KEY,
    event_time="transaction_time",
)

SPEC = FeedSpec(
    name="billing_hl7",
    freshness=DAILY,
    description="HL7 v2 DFT^P03 (post detail financial transactions) from the hospital's HIS: one row per FT1 charge line of the episode's interim and final bills, parsed with python-hl7.",
    source="billing",
    folder="billing",
    patterns=("*.hl7",),
    tables=(LINES,),
    position="hl7_message",
    reader="python",
)
