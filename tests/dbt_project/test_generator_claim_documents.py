"""The sample's claim documents (docs/claims-sample.md, "Documents") for two seeds, through the real loader and
a real `dbt build`: the manifest loads with conservation (its injected row naming a file never uploaded is
quarantined with the reason), every NHCX request's DocumentReferences parse back to the very files the
manifest lists (same SHA-256), fct_claim_document_exceptions is the truth's exceptions exactly, and the
injected claim's document zip holds its files, the late discharge summary included.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dbt_runner import build_ok

from core.settings import WarehouseSettings, warehouse_settings
from core.warehouse import Warehouse, open_warehouse
from exports.claim_documents import claim_document_bundle
from ingestion.feeds import LoadContext, feed_named
from ingestion.loader import load_file
from ingestion.quarantine import quarantined_rows
from ingestion.tables import create_raw_tables
from sampledata import write_sample

SAMPLE = {"branches": 5, "days": 20, "bookings_per_branch_day": 4, "messages": False}
SEEDS = (7, 11)
FEEDS = ("reference", "claims_tpa", "claims_nhcx", "claims_documents")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[WarehouseSettings, dict[int, dict[str, Any]]]:
    root = tmp_path_factory.mktemp("claim-documents")
    settings = warehouse_settings(f"chdb://{root / 'warehouse'}")
    samples: dict[int, dict[str, Any]] = {}
    with open_warehouse(settings) as w:
        create_raw_tables(w)
        for seed in SEEDS:
            data, tenant = root / f"seed{seed}", f"tnt_docs_{seed}"
            write_sample(data, seed=seed, tenant=tenant, claims=True, **SAMPLE)
            truth = json.loads((data / "ground_truth.json").read_text(encoding="utf-8"))["claims"]
            results = {
                name: [
                    load_file(
                        w,
                        feed_named(name),
                        path,
                        LoadContext(tenant),
                        source=f"{tenant}/{path.relative_to(data)}",
                    )
                    for path in feed_named(name).files(data)
                ]
                for name in FEEDS
            }
            samples[seed] = {"data": data, "tenant": tenant, "truth": truth, "results": results}
    build_ok(settings, root, "+fct_claim_document_exceptions")
    return settings, samples


@pytest.fixture
def warehouse(built) -> Iterator[Warehouse]:
    with open_warehouse(built[0]) as w:
        yield w


@pytest.fixture(params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def sample(request: pytest.FixtureRequest, built) -> dict[str, Any]:
    return built[1][request.param]


def test_the_manifest_loads_with_conservation(warehouse: Warehouse, sample: dict[str, Any]) -> None:
    truth, tenant = sample["truth"]["documents"], sample["tenant"]
    [manifest] = sample["results"]["claims_documents"]
    assert manifest.status == "loaded" and manifest.conserved
    assert (manifest.rows_read, manifest.rows_loaded) == (truth["records"], truth["stored"])
    quarantined = [
        {**q, "file": q["file"].removeprefix(f"{tenant}/")}
        for q in quarantined_rows(warehouse)
        if q["feed"] == "claims_documents" and q["file"].startswith(f"{tenant}/")
    ]
    assert [(q["file"], q["line"]) for q in quarantined] == [
        (e["file"], e["line"]) for e in truth["expected_quarantine"]
    ]
    assert all(
        e["reason"] in q["reason"] for q, e in zip(quarantined, truth["expected_quarantine"], strict=True)
    )
    assert all(r.conserved and r.status == "loaded" for rs in sample["results"].values() for r in rs)


def test_the_nhcx_requests_documents_are_the_manifests_files(
    warehouse: Warehouse, sample: dict[str, Any]
) -> None:
    raw, tenant, data = warehouse.db("raw"), sample["tenant"], sample["data"]
    events = warehouse.dicts(
        f"select claim_id, claim_kind, documents from `{raw}`.claims_nhcx_events "
        "where tenant_id = {t:String} and event_type in ('preauth_requested', 'claim_submitted')",
        {"t": tenant},
    )
    assert events
    for e in events:
        stated = json.loads(e["documents"])
        assert stated, e["claim_id"]
        for d in stated:
            path = data / "claims/documents" / e["claim_id"] / d["file_name"]
            blob = path.read_bytes()
            assert (d["sha256"], d["size_bytes"], d["content_type"]) == (
                hashlib.sha256(blob).hexdigest(),
                len(blob),
                "application/pdf",
            )
    channels = warehouse.dicts(
        f"select distinct channels from `{warehouse.db('marts')}`.fct_claim_documents "
        "where tenant_id = {t:String} and startsWith(claim_id, 'NHX-')",
        {"t": tenant},
    )
    assert channels == [{"channels": "manifest,nhcx"}]  # one document each, known from both channels


def test_the_document_exceptions_are_the_truths(warehouse: Warehouse, sample: dict[str, Any]) -> None:
    found = warehouse.dicts(
        f"select claim_id, claim_kind, document_kind, insurer, requirement_source, status "
        f"from `{warehouse.db('marts')}`.fct_claim_document_exceptions where tenant_id = {{t:String}} "
        "order by claim_id, claim_kind, document_kind",
        {"t": sample["tenant"]},
    )
    expected = sample["truth"]["documents"]["exceptions"]
    assert expected
    assert found == expected


def test_the_injected_claims_zip_holds_its_files(
    warehouse: Warehouse, sample: dict[str, Any], tmp_path: Path
) -> None:
    [exception] = sample["truth"]["documents"]["exceptions"]
    claim_id = exception["claim_id"]
    bundle = claim_document_bundle(warehouse, sample["data"], claim_id, "claim", tmp_path, sample["tenant"])
    with zipfile.ZipFile(bundle.path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        for d in manifest["documents"]:
            blob = (sample["data"] / "claims/documents" / d["file_name"]).read_bytes()
            assert archive.read(d["path"]) == blob and d["sha256"] == hashlib.sha256(blob).hexdigest()
    kinds = [d["document_kind"] for d in manifest["documents"]]
    assert exception["document_kind"] in kinds  # attached late, on the query's answer
    assert manifest["missing_required"] == []
