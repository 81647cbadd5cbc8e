"""FHIR Bulk Data exports (the Bulk Data Access IG's `$export`): `adt/fhir/bulk/<export>/`, one folder per
export, holding its NDJSON output files, one resource type per file (`Encounter.ndjson`, `Patient.ndjson`,
`Patient_2.ndjson`, ...), and optionally the export's manifest (the completed status response, saved as
`manifest.json`: `transactionTime`, `output: [{type, url, count}]`).

Each output file is loaded on its own like any NDJSON file; an Encounter's `subject` (`Patient/<id>`) is
looked up in its own file first, then in the export's Patient files: those the manifest lists with type
`Patient` (by the last part of their url), or without a manifest the files named `Patient*.ndjson`. A
Patient that is in none of them is quarantined with the reason (send it in the export). The manifest's
`transactionTime` stands for a message time no resource gives (as a Bundle's `timestamp` does).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from fhir.resources.R4B import get_fhir_model_class
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ingestion.feeds.adt_fhir.events import patient_fields
from ingestion.records import RowError
from ingestion.yaml_config import load_yaml_model

BULK_FOLDER = "bulk"
MANIFEST = "manifest.json"
PATIENT = get_fhir_model_class("Patient")


class OutputFile(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str = Field(min_length=1)
    url: str = Field(min_length=1)

    @property
    def name(self) -> str:
        return PurePosixPath(urlparse(self.url).path).name


class BulkManifest(BaseModel):
    """The parts of the Bulk Data manifest this feed reads (others are allowed, and ignored)."""

    model_config = ConfigDict(extra="allow")
    transactionTime: datetime  # the manifest's own key
    output: list[OutputFile] = []


def export_folder(path: Path) -> Path | None:
    """The bulk export folder `path` is in (`.../bulk/<export>/<file>`), None for any other file."""
    return path.parent if path.parent.parent.name == BULK_FOLDER else None


def manifest_of(folder: Path) -> BulkManifest | None:
    """The export's manifest, None without one; raises FileRejected with one line when it is invalid."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    return load_yaml_model(path, BulkManifest, f"the bulk export's {MANIFEST}", {})  # JSON is YAML


def patient_files(folder: Path, manifest: BulkManifest | None) -> list[Path]:
    if manifest is not None:
        names = {o.name for o in manifest.output if o.type == "Patient"}
        return sorted(folder / name for name in names if (folder / name).is_file())
    return sorted(p for p in folder.glob("*.ndjson") if p.name.lower().startswith("patient"))


def _patients(path: Path) -> dict[str, dict[str, Any]]:
    """`Patient/<id>` -> its ADT fields, for each Patient line of `path` that parses (one that does not is
    quarantined when its own file loads)."""
    found: dict[str, dict[str, Any]] = {}
    with path.open("rb") as lines:
        for line in lines:
            try:
                data = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue
            if not isinstance(data, dict) or data.get("resourceType") != "Patient":
                continue
            try:
                resource = PATIENT.model_validate(data)
                found[f"Patient/{resource.id}"] = patient_fields(resource)
            except (RowError, ValueError, ValidationError):
                continue
    return found


def export_patients(path: Path) -> tuple[dict[str, dict[str, Any]], datetime | None, str]:
    """For a file of a bulk export: the Patients of the export's Patient files, the manifest's
    transactionTime, and where an Encounter's Patient was looked for (for a quarantine reason)."""
    folder = export_folder(path)
    if folder is None:
        return {}, None, ""
    manifest = manifest_of(folder)
    files = patient_files(folder, manifest)
    patients: dict[str, dict[str, Any]] = {}
    for file in files:
        if file != path:
            patients.update(_patients(file))
    where = ", ".join(f.name for f in files) or "no Patient file"
    return patients, manifest.transactionTime if manifest else None, f"the export's Patient files ({where})"
