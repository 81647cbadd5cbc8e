"""The billing handoff's PHI in the data dictionary: what ingestion/charge_line.py declares PHI keeps a flag in
every model that carries it by name (staging, intermediate, the marts), and so do the identifiers the billing
models add (the episode, the patient); the raw charge line tables carry the spec's own flags."""

from __future__ import annotations

from dictionary.catalog import RAW, Catalog
from dictionary.sensitivity import FREE_TEXT, HEALTH, IDENTITY, MONEY, PATIENT_LINK
from ingestion.charge_line import CHARGE_LINE_COLUMNS

BILLING = ("charge_line", "bill")


def test_every_phi_column_of_the_billing_models_is_flagged(catalog: Catalog) -> None:
    phi = {c.name for c in CHARGE_LINE_COLUMNS if c.sensitivity == "phi"}
    phi |= {"patient_mrn", "patient_id", "episode_id"}
    models = [m for m in catalog.models if m.layer != RAW and any(k in m.name for k in BILLING)]
    assert {"stg_billing__hl7_charge_lines", "stg_billing__csv_charge_lines", "int_charge_lines__mapped",
            "fct_bill_lines", "fct_episode_bills"} <= {m.name for m in models}  # fmt: skip
    carried = [(m.name, c) for m in models for c in m.columns if c.name in phi]
    assert len(carried) > 25
    for model, column in carried:
        assert column.sensitivity, f"{model}.{column.name} holds PHI but has no sensitivity"
    flags = {(m.name, c.name): c.sensitivity for m, c in catalog.rows()}
    assert flags[("fct_episode_bills", "patient_mrn")] == (IDENTITY,)
    assert flags[("fct_episode_bills", "visit_number")] == (PATIENT_LINK,)
    assert flags[("fct_episode_bills", "episode_id")] == (PATIENT_LINK,)
    assert flags[("fct_episode_bills", "net_total_paise")] == (MONEY,)
    assert flags[("stg_billing__hl7_charge_lines", "service_text")] == (HEALTH,)
    assert flags[("stg_billing__csv_charge_lines", "raw")] == (FREE_TEXT,)
    assert flags[("fct_bill_lines", "service_code")] == ()


def test_the_raw_charge_line_tables_carry_the_spec_flags(catalog: Catalog) -> None:
    flags = {(m.name, c.name): c.sensitivity for m, c in catalog.rows() if m.layer == RAW}
    for table in ("hl7_charge_lines", "csv_charge_lines"):
        for column in CHARGE_LINE_COLUMNS:
            if column.sensitivity in ("phi", "pii", "financial"):
                assert flags[(table, column.name)], (
                    f"{table}.{column.name} is {column.sensitivity} in the spec"
                )
