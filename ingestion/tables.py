"""The raw tables: their columns, ClickHouse types and natural keys, and the DDL that creates them.

Raw tables are append-only MergeTree; every one carries the load metadata columns. They are written only
by the loader (ingestion/loader.py) and read only by dbt's staging models.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from core.warehouse import Warehouse

METADATA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_batch_id", "String"),
    ("_source_file", "String"),
    ("_source_line", "UInt64"),
    ("_loaded_at", "DateTime64(3, 'UTC')"),
)


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, ClickHouse type) of the data columns
    key: tuple[str, ...]  # natural key; a row whose key is loaded already is not loaded again
    description: str
    # Versioned (reference data): a row whose key is loaded with other values is a new version, loaded
    # and made current; a row equal to the current version is a duplicate. Not versioned (facts): a
    # loaded key never changes, and a row that tries to change it is quarantined.
    versioned: bool = False

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def ddl(self, database: str) -> str:
        cols = ",\n  ".join(f"`{n}` {t}" for n, t in (*self.columns, *METADATA_COLUMNS))
        order = ", ".join(f"`{k}`" for k in self.key)
        return (
            f"create table if not exists `{database}`.`{self.name}` (\n  {cols}\n)\n"
            f"engine = MergeTree order by ({order})\ncomment '{self.description}'"
        )

    def arrow_schema(self, *, with_raw_line: bool = False) -> pa.Schema:
        fields = [pa.field(n, arrow_type(t)) for n, t in (*self.columns, *METADATA_COLUMNS)]
        if with_raw_line:
            fields.append(pa.field("_raw_line", pa.string()))
        return pa.schema(fields)


def arrow_type(ch_type: str) -> pa.DataType:
    inner = (
        ch_type.removeprefix("Nullable(").removesuffix(")") if ch_type.startswith("Nullable(") else ch_type
    )
    if inner.startswith("DateTime64"):
        return pa.timestamp("ms", tz="UTC")
    if inner.startswith("DateTime"):
        return pa.timestamp("s", tz="UTC")
    simple = {
        "String": pa.string(),
        "Int64": pa.int64(),
        "UInt64": pa.uint64(),
        "UInt8": pa.uint8(),
        "Date": pa.date32(),
    }
    return simple[inner]


_T = "DateTime('UTC')"

BOOKING_EVENTS = RawTable(
    "booking_events",
    (
        ("event_id", "String"),
        ("specversion", "String"),
        ("event_type", "String"),
        ("source", "String"),
        ("subject", "String"),
        ("event_time", "DateTime64(3, 'UTC')"),
        ("datacontenttype", "String"),
        ("tenant_id", "String"),
        ("branch_id", "String"),
        ("data", "String"),
    ),
    key=("event_id",),
    description="Booking-service CloudEvents, one row per event; data is the JSON payload",
)

RAZORPAY_SETTLEMENT_LINES = RawTable(
    "razorpay_settlement_lines",
    (
        ("tenant_id", "String"),
        ("entity_id", "String"),
        ("type", "String"),
        ("debit", "Int64"),
        ("credit", "Int64"),
        ("amount", "Int64"),
        ("currency", "String"),
        ("fee", "Int64"),
        ("tax", "Int64"),
        ("on_hold", "UInt8"),
        ("settled", "UInt8"),
        ("created_at", _T),
        ("settled_at", f"Nullable({_T})"),
        ("settlement_id", "String"),
        ("posted_at", f"Nullable({_T})"),
        ("credit_type", "String"),
        ("description", "String"),
        ("notes", "String"),
        ("payment_id", "String"),
        ("settlement_utr", "String"),
        ("order_id", "String"),
        ("order_receipt", "String"),
        ("method", "String"),
        ("card_network", "String"),
        ("card_issuer", "String"),
        ("card_type", "String"),
        ("dispute_id", "String"),
    ),
    key=("entity_id", "settlement_id"),
    description="Razorpay settlement-recon lines (amounts in paise; fee includes GST, tax is the GST part)",
)

BANK_STATEMENT_LINES = RawTable(
    "bank_statement_lines",
    (
        ("tenant_id", "String"),
        ("account_file", "String"),
        ("txn_date", "Date"),
        ("value_date", "Date"),
        ("narration", "String"),
        ("ref_no", "String"),
        ("debit_paise", "Int64"),
        ("credit_paise", "Int64"),
        ("balance_paise", "Int64"),
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
    description="Bank statement lines of the clinic chain (amounts converted from rupees to paise)",
)

REFERENCE_BRANCHES = RawTable(
    "reference_branches",
    (
        ("tenant_id", "String"),
        ("branch_id", "String"),
        ("branch_name", "String"),
        ("city", "String"),
        ("state", "String"),
    ),
    key=("tenant_id", "branch_id"),
    description="Branches of the clinic chain; a changed row is a new version",
    versioned=True,
)

REFERENCE_DOCTORS = RawTable(
    "reference_doctors",
    (
        ("tenant_id", "String"),
        ("doctor_id", "String"),
        ("branch_id", "String"),
        ("doctor_name", "String"),
        ("specialty", "String"),
        ("consultation_fee_paise", "Int64"),
    ),
    key=("tenant_id", "doctor_id"),
    description="Doctors and their consultation fee schedule; a changed row is a new version",
    versioned=True,
)

REFERENCE_GATEWAY_CONTRACTS = RawTable(
    "reference_gateway_contracts",
    (
        ("tenant_id", "String"),
        ("gateway", "String"),
        ("method", "String"),
        ("mdr_bps", "Int64"),
        ("gst_bps", "Int64"),
        ("settlement_days", "Int64"),
        ("refund_sla_days", "Int64"),
    ),
    key=("tenant_id", "gateway", "method"),
    description="Payment-gateway contract per method: MDR and GST in basis points, settlement T+N, refund SLA",
    versioned=True,
)

RAW_TABLES: tuple[RawTable, ...] = (
    BOOKING_EVENTS,
    RAZORPAY_SETTLEMENT_LINES,
    BANK_STATEMENT_LINES,
    REFERENCE_BRANCHES,
    REFERENCE_DOCTORS,
    REFERENCE_GATEWAY_CONTRACTS,
)

QUARANTINE_DDL = """
create table if not exists `{db}`.`quarantine` (
  `feed` String,
  `_batch_id` String,
  `_source_file` String,
  `_source_line` UInt64,
  `raw_line` String,
  `reason` String,
  `_quarantined_at` DateTime64(3, 'UTC')
)
engine = MergeTree order by (feed, _source_file, _source_line)
comment 'Input rows that were not loaded, with the reason a person can act on'
"""

LEDGER_DDL = """
create table if not exists `{db}`.`load_ledger` (
  `_batch_id` String,
  `feed` String,
  `source_file` String,
  `content_sha256` String,
  `file_bytes` UInt64,
  `status` String,
  `note` String,
  `rows_read` UInt64,
  `rows_loaded` UInt64,
  `rows_quarantined` UInt64,
  `rows_skipped` UInt64,
  `started_at` DateTime64(3, 'UTC'),
  `finished_at` DateTime64(3, 'UTC')
)
engine = MergeTree order by (feed, content_sha256)
comment 'One row per loaded file: rows read = loaded + quarantined + skipped as duplicates'
"""


def create_raw_tables(warehouse: Warehouse) -> None:
    """Create the raw database and its tables if absent (idempotent)."""
    db = warehouse.db("raw")
    warehouse.command(f"create database if not exists `{db}`")
    for table in RAW_TABLES:
        warehouse.command(table.ddl(db))
    warehouse.command(QUARANTINE_DDL.format(db=db))
    warehouse.command(LEDGER_DDL.format(db=db))
