"""A FHIR Bulk Data export (adt/fhir/bulk/<export>/: one NDJSON file per resource type, and the manifest):
Encounters whose Patients are in the export's Patient file load as the same ADT events as the scenario's
Bundle; an Encounter whose Patient is in no Patient file is quarantined with the reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.adt_fhir import FEED
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables
from tests.support.adt_scenario import expected_rows, fhir_bundle, loaded_rows


def _ndjson(resources: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in resources)


def _export(
    data_dir: Path, name: str, files: dict[str, list[dict[str, Any]]], manifest: object = None
) -> Path:
    folder = data_dir / "adt" / "fhir" / "bulk" / name
    folder.mkdir(parents=True)
    for file, resources in files.items():
        (folder / file).write_text(_ndjson(resources))
    if manifest is not None:
        (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def _scenario() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    patient, *encounters = (e["resource"] for e in fhir_bundle()["entry"])
    return patient, encounters


def _load_all(warehouse: Warehouse, data_dir: Path, tenant: str) -> dict[str, Any]:
    return {
        path.name: load_file(warehouse, FEED, path, LoadContext(tenant), source=f"{tenant}/{path.name}")
        for path in FEED.files(data_dir)
    }


def test_encounters_find_their_patients_in_the_exports_patient_file(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    create_raw_tables(warehouse)
    patient, encounters = _scenario()
    ghost = encounters[0] | {"id": "ghost", "subject": {"reference": "Patient/nobody"}}
    folder = _export(
        tmp_path, "2026-10-05", {"Patient.ndjson": [patient], "Encounter.ndjson": [*encounters, ghost]}
    )
    assert FEED.files(tmp_path) == [folder / "Encounter.ndjson", folder / "Patient.ndjson"]
    results = _load_all(warehouse, tmp_path, "tnt_bulk")
    assert all(r.conserved for r in results.values())
    counts = {name: (r.rows_loaded, r.rows_quarantined) for name, r in results.items()}
    assert counts == {"Encounter.ndjson": (5, 1), "Patient.ndjson": (0, 0)}
    assert loaded_rows(warehouse, "adt_fhir_events", "tnt_bulk") == expected_rows("tnt_bulk")
    reason = warehouse.scalar(
        "select reason from raw.quarantine where _source_file = 'tnt_bulk/Encounter.ndjson'"
    )
    assert reason == (
        "Encounter/ghost: its subject Patient/nobody is not a Patient in this file nor in the export's Patient "
        "files (Patient.ndjson); send it in the export"
    )


def test_the_manifest_names_the_patient_files_and_is_not_loaded(warehouse: Warehouse, tmp_path: Path) -> None:
    """A server names its files as it likes (the IG's example: patient_file_1.ndjson); the manifest's output
    says each file's type. A Patient file the manifest does not list is not looked in."""
    create_raw_tables(warehouse)
    patient, encounters = _scenario()
    manifest = {
        "transactionTime": "2026-10-05T00:00:00Z",
        "request": "https://his.example.in/fhir/$export?_type=Patient,Encounter",
        "requiresAccessToken": True,
        "output": [
            {"type": "Encounter", "url": "https://his.example.in/out/file_1.ndjson", "count": 2},
            {"type": "Patient", "url": "https://his.example.in/out/file_2.ndjson", "count": 1},
        ],
        "error": [],
    }
    files = {"file_1.ndjson": encounters, "file_2.ndjson": [patient]}
    folder = _export(tmp_path, "by-manifest", files, manifest)
    assert FEED.files(tmp_path) == [folder / "file_1.ndjson", folder / "file_2.ndjson"]
    results = _load_all(warehouse, tmp_path, "tnt_bulk_manifest")
    assert results["file_1.ndjson"].rows_loaded == 5 and results["file_1.ndjson"].rows_quarantined == 0
    assert loaded_rows(warehouse, "adt_fhir_events", "tnt_bulk_manifest") == expected_rows(
        "tnt_bulk_manifest"
    )

    # (the Encounters in another order: content loaded before, under any name, is not loaded again)
    again = encounters[::-1]
    unlisted = _export(tmp_path, "unlisted", {"Encounter.ndjson": again, "Patient.ndjson": [patient]},
                       manifest | {"output": manifest["output"][:1]})  # fmt: skip
    result = load_file(
        warehouse, FEED, unlisted / "Encounter.ndjson", LoadContext("tnt_unlisted"), source="u"
    )
    assert (result.rows_loaded, result.rows_quarantined) == (0, 2)
    assert "nor in the export's Patient files (no Patient file)" in warehouse.scalar(
        "select any(reason) from raw.quarantine where _source_file = 'u'"
    )


def test_a_bad_manifest_rejects_the_exports_files_in_one_line(warehouse: Warehouse, tmp_path: Path) -> None:
    create_raw_tables(warehouse)
    patient, encounters = _scenario()
    folder = _export(tmp_path, "bad", {"Encounter.ndjson": encounters[1:], "Patient.ndjson": [patient]},
                     {"output": [{"type": "Patient", "url": "Patient.ndjson"}]})  # fmt: skip
    result = load_file(
        warehouse, FEED, folder / "Encounter.ndjson", LoadContext("tnt_bad_manifest"), source="b"
    )
    assert result.status == "rejected" and result.conserved and "\n" not in result.note
    assert "the bulk export's manifest.json is invalid: transactionTime: Field required" in result.note
    (folder / "manifest.json").write_text(
        json.dumps({"transactionTime": "2026-10-05T00:00:00Z", "output": []})
    )
    fixed = load_file(
        warehouse, FEED, folder / "Encounter.ndjson", LoadContext("tnt_bad_manifest"), source="b"
    )
    assert fixed.status == "loaded" and fixed.rows_quarantined == 1  # the manifest lists no Patient file
