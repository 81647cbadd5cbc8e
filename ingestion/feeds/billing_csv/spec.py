"""Bills exported by a HIS as CSV, one folder per export layout with its YAML column mapping (amounts, dates, codes, Dr/Cr flags)."""

from __future__ import annotations

from ingestion.charge_line import CHARGE_LINE_COLUMNS, CHARGE_LINE_KEY
from ingestion.spec import DAILY, FeedSpec, TableSpec

LINES = TableSpec(
    "csv_charge_lines",
    "One row per charge line of a HIS's bill CSV export, read through the export's declarative column mapping (billing/csv/<his>/mapping.yaml). Append-only.",
    CHARGE_LINE_COLUMNS,
    key=CHARGE_LINE_KEY,
    event_time="transaction_time",
)

SPEC = FeedSpec(
    name="billing_csv",
    freshness=DAILY,
    description="Bills exported by a HIS as CSV, one folder per export layout with its YAML column mapping (amounts, dates, codes, Dr/Cr flags).",
    source="billing",
    folder="billing/csv",
    patterns=("*.csv",),
    tables=(LINES,),
    position="line",
    reader="python",
    subfolders=("*",),  # billing/csv/<his>/: one folder per HIS export layout
    config_files=("mapping.yaml",),  # the layout's declarative column mapping
)
