"""ADT events exported by a HIS as CSV, one folder per export layout with its YAML column mapping (dates, codes, flags)."""

from __future__ import annotations

from ingestion.adt_event import ADT_EVENT_COLUMNS, ADT_EVENT_KEY
from ingestion.adt_senders import SENDERS_FILE
from ingestion.spec import DAILY, FeedSpec, TableSpec

EVENTS = TableSpec(
    "adt_csv_events",
    "One row per ADT event from a HIS's CSV export, read through the export's declarative column mapping (adt/csv/<his>/mapping.yaml). Append-only.",
    ADT_EVENT_COLUMNS,
    key=ADT_EVENT_KEY,
    event_time="event_time",
)

SPEC = FeedSpec(
    name="adt_csv",
    freshness=DAILY,
    description="ADT events exported by a HIS as CSV, one folder per export layout with its YAML column mapping (dates, codes, flags).",
    source="adt",
    folder="adt/csv",
    patterns=("*.csv",),
    tables=(EVENTS,),
    position="line",
    reader="python",
    subfolders=("*",),  # adt/csv/<his>/: one folder per HIS export layout
    config_files=("mapping.yaml",),  # the layout's declarative column mapping
    source_config_files=(SENDERS_FILE,),  # adt/senders.yaml: each sender's time zone
)
