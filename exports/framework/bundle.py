"""Produce a bundle: read its datasets for the period, treat them to its PHI level, write every format,
and pack the files with `manifest.json` (spec, period, row counts, source batches, SHA-256 per file) and
`manifest.sig` (exports.framework.signing) into one zip, `<out>/<bundle>-<period>.zip`.

The zip is reproducible: entries sorted, fixed entry dates and permissions, so producing the same bundle
from the same data again writes the same bytes, `manifest.json`'s `generated_at` (and the FHIR manifest's
`transactionTime`) apart. Every production is recorded in `exports.audit`.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.atomic_files import AtomicFiles
from core.settings import ExportSecrets
from core.warehouse import Warehouse
from exports.framework.audit import AuditEvent, record
from exports.framework.dataset import read_dataset
from exports.framework.formats import FORMATS, WriteJob
from exports.framework.period import Period
from exports.framework.phi import apply_phi_level
from exports.framework.signing import sign
from exports.framework.spec import BundleSpec

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
MANIFEST_FORMAT = "mymedic-export-bundle/1"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class ProducedBundle:
    path: Path
    sha256: str
    manifest: dict
    row_count: int


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source_batches(warehouse: Warehouse) -> list[str]:
    """The committed load batches the marts were built from (raw.load_ledger), sorted."""
    if not warehouse.table_exists("raw", "load_ledger"):
        return []
    rows = warehouse.rows(f"select distinct _batch_id from `{warehouse.db('raw')}`.load_ledger order by 1")
    return [row[0] for row in rows]


def default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def write_zip(target: Path, entries: dict[str, bytes]) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, entries[name], compresslevel=6)


def produce_bundle(
    warehouse: Warehouse,
    spec: BundleSpec,
    period: Period,
    out_dir: Path,
    *,
    secrets: ExportSecrets | None = None,
    generated_at: datetime | None = None,
    actor: str | None = None,
    run_id: str | None = None,
) -> ProducedBundle:
    """Write the bundle zip and record it in exports.audit (a failure is recorded too, then re-raised)."""
    secrets = secrets or ExportSecrets.resolve()
    generated_at = (generated_at or datetime.now(UTC)).astimezone(UTC)
    actor = actor or default_actor()
    spec_json = spec.model_dump_json()
    try:
        produced = _produce(warehouse, spec, period, Path(out_dir), secrets, generated_at, run_id)
    except Exception as error:
        message = " ".join(str(error).split()) or type(error).__name__
        record(warehouse, AuditEvent(event="failed", actor=actor, bundle=spec.name, recipient=spec.recipient,
                                     spec_json=spec_json, period_label=period.label, phi_level=spec.phi_level,
                                     outcome=message))  # fmt: skip
        raise
    files = {f["path"]: f["sha256"] for f in produced.manifest["files"]}
    record(warehouse, AuditEvent(event="produced", actor=actor, bundle=spec.name, recipient=spec.recipient,
                                 spec_json=spec_json, period_label=period.label, phi_level=spec.phi_level,
                                 bundle_file=str(produced.path), bundle_sha256=produced.sha256,
                                 file_hashes=files, row_count=produced.row_count))  # fmt: skip
    return produced


def _produce(
    warehouse: Warehouse,
    spec: BundleSpec,
    period: Period,
    out_dir: Path,
    secrets: ExportSecrets,
    generated_at: datetime,
    run_id: str | None,
) -> ProducedBundle:
    export_id = f"{spec.name}-{period.label}"
    salt_secret = secrets.salt_secret.get_secret_value()
    tables = [
        apply_phi_level(
            read_dataset(warehouse, d, period),
            spec.phi_level,
            recipient=spec.recipient,
            salt_secret=salt_secret,
        )
        for d in spec.datasets
    ]
    branch_lists = [d.branches for d in spec.datasets if d.branches is not None]
    branches = tuple(sorted({b for bs in branch_lists for b in bs})) if branch_lists else None
    batches = source_batches(warehouse)
    entries: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix=".bundle.", dir=out_dir if out_dir.is_dir() else None) as work:
        staging = Path(work)
        job = WriteJob(
            warehouse, staging, tables, period, branches, spec.name, export_id, generated_at, spec.phi_level
        )
        for name in spec.formats:
            for path in FORMATS[name](job):
                entries[path.relative_to(staging).as_posix()] = path.read_bytes()
    manifest = {
        "format": MANIFEST_FORMAT,
        "bundle": spec.name,
        "recipient": spec.recipient,
        "export_id": export_id,
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "period": period.model_dump(mode="json"),
        "phi_level": spec.phi_level,
        "spec": spec.model_dump(mode="json"),
        "warehouse_run_id": run_id,
        "row_counts": {f"{t.display_name}": len(t.rows) for t in tables},
        "source_batches": batches,
        "files": [
            {"path": name, "sha256": sha256_of(data), "bytes": len(data)}
            for name, data in sorted(entries.items())
        ],
    }
    manifest_bytes = (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode()
    entries[MANIFEST] = manifest_bytes
    entries[SIGNATURE] = sign(manifest_bytes, secrets.signing_key.get_secret_value())
    target = out_dir / f"{export_id}.zip"
    with AtomicFiles() as files:
        temp = files.temp_for(target)
        write_zip(temp, entries)
        digest = sha256_of(temp.read_bytes())
    return ProducedBundle(target, digest, manifest, sum(len(t.rows) for t in tables))
