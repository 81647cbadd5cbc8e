"""The claims' PHI in the data dictionary: what ingestion/claim_event.py declares PHI (the claim, visit and
policy numbers, the remarks, the raw record) keeps a flag in every model that carries it by name (staging,
intermediate, the marts), and so does the episode the marts add; the raw claim event tables carry the
spec's own flags. The `bi` views leave the flagged columns of a claim's row out (serving/bi_views.py)."""

from __future__ import annotations

from dictionary.catalog import RAW, Catalog
from dictionary.sensitivity import FREE_TEXT, MONEY, PATIENT_LINK
from ingestion.claim_event import CLAIM_EVENT_COLUMNS
from serving.bi_views import BI_VIEWS, view_columns


def test_every_phi_column_of_the_claim_models_is_flagged(catalog: Catalog) -> None:
    phi = {c.name for c in CLAIM_EVENT_COLUMNS if c.sensitivity == "phi"} | {"episode_id"}
    models = [m for m in catalog.models if m.layer != RAW and "claim" in m.name]
    assert {"stg_claims__tpa_events", "stg_claims__nhcx_events", "int_claim_events__unioned", "fct_claims",
            "fct_claim_settlement_recon"} <= {m.name for m in models}  # fmt: skip
    carried = [(m.name, c) for m in models for c in m.columns if c.name in phi]
    assert len(carried) > 15
    for model, column in carried:
        assert column.sensitivity, f"{model}.{column.name} holds PHI but has no sensitivity"
    flags = {(m.name, c.name): c.sensitivity for m, c in catalog.rows()}
    assert flags[("fct_claims", "claim_id")] == (PATIENT_LINK,)
    assert flags[("fct_claims", "visit_number")] == (PATIENT_LINK,)
    assert flags[("fct_claim_settlement_recon", "claim_id")] == (PATIENT_LINK,)
    assert flags[("stg_claims__tpa_events", "policy_number")] == (PATIENT_LINK,)
    assert flags[("stg_claims__tpa_events", "remarks")] == (FREE_TEXT,)
    assert flags[("fct_claims", "approved_paise")] == (MONEY,)
    assert flags[("fct_claims", "insurer")] == ()


def test_the_raw_claim_event_tables_carry_the_spec_flags(catalog: Catalog) -> None:
    flags = {(m.name, c.name): c.sensitivity for m, c in catalog.rows() if m.layer == RAW}
    for table in ("claims_tpa_events", "claims_nhcx_events"):
        for column in CLAIM_EVENT_COLUMNS:
            if column.sensitivity in ("phi", "pii", "financial"):
                assert flags[(table, column.name)], (
                    f"{table}.{column.name} is {column.sensitivity} in the spec"
                )


def test_the_bi_claim_views_leave_the_patient_links_out(catalog: Catalog) -> None:
    for view in (v for v in BI_VIEWS if v.mart in ("fct_claims", "fct_claim_settlement_recon")):
        columns = [(c.name, c.data_type) for c in catalog.model(view.mart).columns]
        shown = {c.source for c in view_columns(view, columns, phi=False)}
        with_phi = {c.source for c in view_columns(view, columns, phi=True)}
        assert {"claim_id", "episode_id"} <= with_phi - shown, view.name
        assert "utr" in shown and "approved_paise" in shown and "insurer" in shown, view.name
