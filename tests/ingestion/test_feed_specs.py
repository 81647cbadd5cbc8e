"""Everything that restates a feed spec matches it: DDL, dbt sources, dictionary, generator, docs, Dagster."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from core.warehouse import Warehouse
from dictionary.catalog import build_catalog
from dictionary.sensitivity import SPEC_SENSITIVITY
from ingestion import spec_artifacts
from ingestion.feeds import FEEDS
from ingestion.feeds.reference.spec import SPEC as REFERENCE_SPEC
from ingestion.spec import METADATA_COLUMNS, docs_columns
from ingestion.tables import QUARANTINE, RAW_TABLES, create_raw_tables
from sampledata import write_sample


def test_dbt_sources_and_docs_are_generated_from_the_specs() -> None:
    drifted = [p.name for p in spec_artifacts.drifted()]
    assert drifted == [], f"run python -m ingestion.spec_artifacts write: {drifted}"
    docs = "\n".join(doc.read_text() for doc in spec_artifacts.DOCS)
    for feed in FEEDS:
        for table in feed.tables:
            if table.name in feed.spec.headers:
                assert ",".join(feed.spec.header(table.name)) in docs
    events = next(f for f in FEEDS if f.name == "booking_events").spec.table()
    assert docs_columns(events) in docs


def test_a_docs_block_is_rewritten_in_place_and_an_unclosed_one_is_drift() -> None:
    stale = "x\n<!-- spec:bank_statements:bank_statement_lines:header -->\n`old`\n<!-- /spec -->\ny\n"
    fresh = spec_artifacts.docs_text(stale)
    assert fresh.count("`") == 2 and "old" not in fresh and fresh.count("<!-- /spec -->") == 1
    assert spec_artifacts.docs_text(fresh) == fresh
    assert not spec_artifacts.unclosed(fresh)
    assert spec_artifacts.unclosed(fresh.replace("<!-- /spec -->", ""))


def test_razorpay_files_carry_the_canonical_settlement_fields() -> None:
    from ingestion.feeds.razorpay_settlements.reader import COLUMNS
    from ingestion.gateway_profiles import CANONICAL_FIELDS

    assert tuple(COLUMNS) == CANONICAL_FIELDS


def test_raw_ddl_is_the_spec(warehouse: Warehouse) -> None:
    create_raw_tables(warehouse)
    create_raw_tables(warehouse)  # idempotent
    for table in RAW_TABLES:
        rows = warehouse.rows(
            "select name, type, default_kind from system.columns where database = 'raw' and table = {t:String} "
            "order by position",
            {"t": table.name},
        )
        expected = [(c.name, c.type, "MATERIALIZED" if c.materialized else "") for c in table.all_columns]
        assert rows == expected, table.name
        sorting = warehouse.scalar(
            "select sorting_key from system.tables where database = 'raw' and name = {t:String}",
            {"t": table.name},
        )
        assert sorting.strip("()") == ", ".join(table.key), table.name


def test_an_older_quarantine_gains_the_new_columns(warehouse: Warehouse) -> None:
    create_raw_tables(warehouse)
    warehouse.command("drop table raw.quarantine")
    warehouse.command(
        "create table raw.quarantine (feed String, _batch_id String, _source_file String, _source_line UInt64, "
        "raw_line String, reason String, _quarantined_at DateTime64(3, 'UTC')) engine = MergeTree order by feed"
    )
    create_raw_tables(warehouse)
    after = [
        r[0]
        for r in warehouse.rows(
            "select name from system.columns where database = 'raw' and table = 'quarantine' order by position"
        )
    ]
    assert after == [c.name for c in QUARANTINE.columns]


def test_dictionary_rows_carry_the_spec_sensitivity() -> None:
    catalog = build_catalog({}, RAW_TABLES)
    raw = {m.name: m for m in catalog.models if m.layer == "raw"}
    for table in RAW_TABLES:
        entry = raw[table.name]
        columns = {c.name: c for c in entry.columns}
        assert list(columns) == [c.name for c in table.stored_columns]
        for column in table.stored_columns:
            assert columns[column.name].data_type == column.type
            for category in SPEC_SENSITIVITY[column.sensitivity]:
                assert category in columns[column.name].sensitivity, (table.name, column.name)
    quarantine = {c.name: c for c in raw["quarantine"].columns}
    assert SPEC_SENSITIVITY["phi"][0] in quarantine["raw_line"].sensitivity  # patient-linked, said so


def test_generator_writes_the_spec_headers(tmp_path: Path) -> None:
    write_sample(tmp_path, seed=3, branches=1, days=5, start=date(2026, 10, 1), bookings_per_branch_day=2)
    for feed in FEEDS:
        for table in feed.tables:
            if table.name not in feed.spec.headers:
                continue
            files = [f for f in feed.files(tmp_path) if feed.table_for(f).name == table.name]
            assert files or table.name in feed.spec.optional_tables, (feed.name, table.name)
            for path in files:
                with path.open(newline="") as fh:
                    assert tuple(next(csv.reader(fh))) == feed.spec.header(table.name), path


def test_the_reference_mapping_tables_are_optional_and_an_unknown_optional_table_is_an_error() -> None:
    assert set(REFERENCE_SPEC.optional_tables) == {
        "reference_patient_identity", "reference_providers", "reference_departments", "reference_wards",
        "reference_services", "reference_message_rates", "reference_claim_slas",
        "reference_claim_document_requirements", "reference_targets",
    }  # fmt: skip
    with pytest.raises(ValueError, match="unknown optional table reference_nurses"):
        replace(REFERENCE_SPEC, optional_tables=("reference_nurses",))


def test_dagster_asset_specs_are_one_per_spec_table() -> None:
    from orchestration.ingestion_assets import ingestion_assets

    keys = {key.to_user_string() for asset in ingestion_assets for key in asset.keys}
    assert keys == {f"raw/{t.name}" for feed in FEEDS for t in feed.tables}
    for asset in ingestion_assets:
        for key in asset.keys:
            assert "loaded from" in asset.specs_by_key[key].description


def test_every_feed_table_carries_the_load_metadata() -> None:
    for feed in FEEDS:
        for table in feed.tables:
            assert table.all_columns[-len(METADATA_COLUMNS) :] == METADATA_COLUMNS
            assert table.key, table.name
