"""Every check says what it checks: each dbt test is a Dagster asset check, and each asset check (dbt's
and the feeds') has a description a person can read in the UI and in marts.dq_results."""

from __future__ import annotations

import json

import pytest

from core.settings import WAREHOUSE_ENV
from orchestration.check_descriptions import check_description
from orchestration.dbt_project import DBT_PROJECT
from orchestration.definitions import build_definitions


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(DBT_PROJECT.manifest_path.read_text())


def dbt_tests(manifest: dict) -> list[dict]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]


def test_every_dbt_test_is_an_asset_check_and_every_check_has_a_description(
    manifest: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(WAREHOUSE_ENV, "chdb:///tmp/never-opened")
    graph = build_definitions().resolve_asset_graph()
    specs = {spec.key: spec for assets_def in graph.assets_defs for spec in assets_def.check_specs}
    # A singular test whose dagster ref is not one of its parents is silently only an observation in
    # dagster-dbt: never a check, never in the history.
    missing = sorted({t["name"] for t in dbt_tests(manifest)} - {key.name for key in specs})
    assert not missing, f"dbt tests that are no Dagster asset check: {missing}"
    undescribed = sorted(
        key.to_user_string() for key, spec in specs.items() if not (spec.description or "").strip()
    )
    assert not undescribed, f"{len(undescribed)} checks without a description: {undescribed[:10]}"
    assert all(spec.description != key.name for key, spec in specs.items())
    assert len(specs) >= 250  # every domain's tests and the feeds' conservation checks


def test_singular_tests_state_their_own_description(manifest: dict) -> None:
    """A generic test's sentence comes from its arguments; a singular test has none, so its SQL's
    `config(meta={"description": …})` must say."""
    singular = [t for t in dbt_tests(manifest) if not t.get("test_metadata")]
    assert singular
    said = {t["name"]: (t["config"].get("meta") or {}).get("description", "") for t in singular}
    assert all(text.strip() for text in said.values()), [name for name, text in said.items() if not text]


def test_a_generic_test_is_described_from_its_arguments_and_its_column(manifest: dict) -> None:
    by_name = {t["name"]: t for t in dbt_tests(manifest)}
    status = next(
        t
        for name, t in by_name.items()
        if name.startswith("accepted_values_fct_payment_reconciliation_status")
    )
    text = check_description(status, manifest)
    assert text and text.startswith("fct_payment_reconciliation.status is one of matched, ")
    column = manifest["nodes"]["model.mymedic.fct_payment_reconciliation"]["columns"]["status"]["description"]
    assert " ".join(column.split())[:40] in text
    # a generic test nobody taught a sentence to, without a dbt description: no description (refused above)
    unknown = {**status, "description": "", "test_metadata": {"name": "new_kind", "kwargs": {}}}
    assert check_description(unknown, manifest) is None
