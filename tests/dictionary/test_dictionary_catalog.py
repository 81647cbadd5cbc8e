"""The catalog built from the real dbt manifest and ingestion's raw tables."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

import yaml
from dictionary_project import model_files

from core.settings import DBT_PROJECT_DIR
from core.warehouse import export_audit
from dictionary.catalog import MODEL_LAYERS, RAW, Catalog, build_catalog
from dictionary.sensitivity import CARD, FREE_TEXT, HEALTH, IDENTITY, MONEY, PATIENT_LINK, classify
from ingestion.adt_event import ADT_EVENT_COLUMNS
from ingestion.tables import RAW_TABLES

MART = "fct_payment_reconciliation"


def test_every_model_of_the_project_is_in_the_dictionary_under_its_layer(catalog: Catalog) -> None:
    files = model_files()
    assert len(files) > 20
    documented = {m.name: m.layer for m in catalog.models if m.layer != RAW}
    assert documented == files
    assert set(documented.values()) == set(MODEL_LAYERS)
    assert catalog.layers == (*MODEL_LAYERS, RAW)


def test_every_column_of_the_reconciliation_mart_is_there_described_and_typed(
    catalog: Catalog, manifest: dict[str, Any]
) -> None:
    yml = yaml.safe_load((DBT_PROJECT_DIR / "models" / "marts" / f"{MART}.yml").read_text())
    declared = next(m for m in yml["models"] if m["name"] == MART)["columns"]
    mart = catalog.model(MART)
    assert [c.name for c in mart.columns] == [c["name"] for c in declared]
    assert [c.data_type for c in mart.columns] == [c["data_type"] for c in declared]
    for column in mart.columns:
        assert column.description.strip(), f"{MART}.{column.name} has no description"
    # doc blocks are rendered, not left as Jinja
    assert not any("{{" in c.description for c in mart.columns)
    assert mart.layer == "marts" and mart.materialization == "table"
    assert mart.relation == f"marts.{MART}"
    assert mart.grain.startswith("One row per captured payment")
    assert mart.key == ("tenant_id", "entity_type", "entity_id", "settlement_id")
    node = manifest["nodes"][f"model.mymedic.{MART}"]
    assert mart.description == " ".join(node["description"].split())


def test_column_tests_are_listed_with_their_values(catalog: Catalog) -> None:
    mart = {c.name: c for c in catalog.model(MART).columns}
    status = mart["status"].tests
    assert "not_null" in status
    accepted = next(t for t in status if t.startswith("accepted_values"))
    for value in ("matched", "in_transit", "settlement_overdue", "orphan_gateway_line", "bank_unmatched"):
        assert value in accepted
    assert "accepted_values [0-2d, 3-7d, 8-30d, 31+d, '']" in mart["aging_bucket"].tests
    assert any(t.startswith("relationships → dim_branches.branch_id") and t.endswith("(warn)")
               for t in mart["branch_id"].tests)  # fmt: skip
    assert mart["order_id"].tests == ()
    events = {c.name: c for c in catalog.model("stg_booking__events").columns}
    assert "unique" in events["event_id"].tests
    assert catalog.model(MART).tests and all(t for t in catalog.model(MART).tests)


def test_raw_tables_carry_clickhouse_types_and_natural_keys(catalog: Catalog) -> None:
    for table in RAW_TABLES:
        raw = catalog.model(table.name)
        assert raw.layer == RAW and raw.relation == f"raw.{table.name}"
        assert [(c.name, c.data_type) for c in raw.columns] == [
            (c.name, c.type) for c in table.stored_columns
        ]
        assert raw.key == table.key
        assert raw.description
        assert all(c.description for c in raw.columns), table.name
    assert "versioned" in catalog.model("reference_doctors").materialization


def test_the_exports_audit_table_is_typed_and_described_in_its_database(catalog: Catalog) -> None:
    audit = catalog.model(export_audit.AUDIT_TABLE)
    assert audit.layer == RAW and audit.relation == "exports.audit"
    assert [(c.name, c.data_type) for c in audit.columns] == list(export_audit.COLUMNS)
    assert audit.description and all(c.description for c in audit.columns)


def test_sensitivity_flags_patient_identity_money_and_free_text(catalog: Catalog) -> None:
    patient_columns = [(m.name, c) for m, c in catalog.rows() if c.name == "patient_id"]
    assert patient_columns, "no patient_id column anywhere"
    for model, column in patient_columns:
        assert IDENTITY in column.sensitivity, model
    paise = [(m.name, c) for m, c in catalog.rows() if c.name.endswith("_paise")]
    assert len(paise) > 20
    for model, column in paise:
        assert MONEY in column.sensitivity, f"{model}.{column.name}"
    flags = {(m.name, c.name): c.sensitivity for m, c in catalog.rows()}
    assert flags[("razorpay_settlement_lines", "fee")] == (MONEY,)
    # raw columns add what their feed spec declares (narration and notes may name a person: pii)
    assert flags[("bank_statement_lines", "narration")] == (IDENTITY, FREE_TEXT)
    assert flags[("razorpay_settlement_lines", "notes")] == (IDENTITY, FREE_TEXT)
    assert PATIENT_LINK in flags[("booking_events", "data")] and HEALTH in flags[("booking_events", "data")]
    assert flags[("dim_doctors", "doctor_name")] == (IDENTITY,)
    assert flags[("dim_doctors", "specialty")] == (HEALTH,)
    assert flags[(MART, "booking_id")] == (PATIENT_LINK,)
    assert flags[("stg_razorpay__settlement_lines", "card_network")] == (CARD,)
    for harmless in (("dim_branches", "branch_name"), (MART, "tenant_id"), (MART, "status")):
        assert flags[harmless] == (), harmless
    # what compliance reads per model
    assert catalog.model(MART).sensitivity == (PATIENT_LINK, MONEY)
    assert IDENTITY in catalog.model("stg_booking__payments").sensitivity
    assert catalog.model("dim_branches").sensitivity == ()


def test_every_phi_column_of_the_adt_and_episode_models_is_flagged(catalog: Catalog) -> None:
    """What the ADT event spec declares PHI keeps a flag in every model that carries it by name, and so do
    the identifiers the episode models add (the surviving MRN, the unmapped code that may be an MRN)."""
    phi = {c.name for c in ADT_EVENT_COLUMNS if c.sensitivity == "phi"}
    phi |= {"patient_mrn", "sent_mrn", "patient_id", "unmapped_code", "episode_id", "booking_id"}
    models = [
        m
        for m in catalog.models
        if m.layer != RAW
        and any(k in m.name for k in ("adt", "episode", "patient_identity", "unmapped_codes"))
    ]
    assert {"fct_adt_events", "fct_patient_episodes", "unmapped_codes", "stg_reference__patient_identity",
            "int_patient_episodes__built"} <= {m.name for m in models}  # fmt: skip
    carried = [(m.name, c) for m in models for c in m.columns if c.name in phi]
    assert len(carried) > 40
    for model, column in carried:
        assert column.sensitivity, f"{model}.{column.name} holds PHI but has no sensitivity"
    flags = {(m.name, c.name): c.sensitivity for m, c in catalog.rows()}
    assert flags[("fct_patient_episodes", "patient_mrn")] == (IDENTITY,)
    assert flags[("fct_patient_episodes", "visit_number")] == (PATIENT_LINK,)
    assert flags[("fct_patient_episodes", "department")] == (HEALTH,)
    assert flags[("unmapped_codes", "unmapped_code")] == (IDENTITY,)
    assert flags[("stg_adt__hl7_events", "raw")] == (FREE_TEXT,)
    assert flags[("fct_branch_daily_adt", "bed_days")] == ()


def test_sensitivity_rules_on_names_not_in_the_project() -> None:
    assert classify("patient_phone") == (IDENTITY,)
    assert classify("Patient_Name") == (IDENTITY,)
    assert classify("refund_amount") == (MONEY,)
    assert classify("branch_name") == ()
    assert all(not fnmatchcase("tenant_id", p) for p in ("*_paise", "patient_*"))


def test_the_catalog_does_not_depend_on_the_manifest_order(
    catalog: Catalog, manifest: dict[str, Any]
) -> None:
    shuffled = {
        **manifest,
        "nodes": dict(reversed(list(manifest["nodes"].items()))),
        "sources": dict(reversed(list(manifest["sources"].items()))),
    }
    assert build_catalog(shuffled) == catalog
