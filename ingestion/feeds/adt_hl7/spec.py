"""HL7 v2 ADT messages (v2.3-2.8) from the hospital's HIS: files dropped in adt/ and the messages the MLLP listener acknowledged, parsed with python-hl7."""

from __future__ import annotations

from ingestion.adt_event import ADT_EVENT_COLUMNS, ADT_EVENT_KEY
from ingestion.adt_senders import SENDERS_FILE
from ingestion.spec import DAILY, FeedSpec, TableSpec

EVENTS = TableSpec(
    "adt_hl7_events",
    "One row per HL7 v2 ADT message accepted from a file drop (adt/*.hl7: single, batch FHS/BHS or MLLP-framed) or the MLLP listener's spool (adt/mllp/). Append-only.",
    ADT_EVENT_COLUMNS,
    key=ADT_EVENT_KEY,
    event_time="event_time",
)

SPEC = FeedSpec(
    name="adt_hl7",
    freshness=DAILY,
    description="HL7 v2 ADT messages (v2.3-2.8) from the hospital's HIS: files dropped in adt/ and the messages the MLLP listener acknowledged, parsed with python-hl7.",
    source="adt",
    folder="adt",
    patterns=("*.hl7",),
    tables=(EVENTS,),
    position="hl7_message",
    reader="python",
    subfolders=("mllp",),  # adt/mllp/: messages the MLLP listener acknowledged (its durable spool)
    source_config_files=(SENDERS_FILE,),  # adt/senders.yaml: each sender's time zone
)
