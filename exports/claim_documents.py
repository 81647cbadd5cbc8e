"""A claim's document bundle (docs/claims.md, "Document bundles"): the documents filed with one pre-auth
request or claim submission, from `fct_claim_documents` and the files in the data folder, zipped with a
`manifest.json` as `<out>/<claim id>-<kind>.zip`, and the required documents still missing
(`fct_claim_document_exceptions`).

Deterministic: entries sorted with fixed dates (exports.framework.bundle.write_zip), the manifest without a
production time, so the same documents give the same bytes. Every file is checked against the SHA-256 the
load recorded: a file changed since, or a document whose file is not in the data folder, stops the bundle
with one line and writes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from core.atomic_files import AtomicFiles
from core.warehouse import Warehouse
from exports.framework.bundle import sha256_of, write_zip
from ingestion.claim_documents import DOCUMENT_KINDS

FORMAT = "mymedic-claim-documents/1"
MANIFEST = "manifest.json"
DOCUMENTS_DIR = "claims/documents"
COLUMNS = (
    "tenant_id", "document_kind", "file_name", "sha256", "size_bytes", "content_type", "attached_at",
    "channels", "in_data_folder",
)  # fmt: skip


class ClaimDocumentsError(ValueError):
    """The bundle can't be made; the message is one line saying what to do."""


@dataclass(frozen=True)
class ClaimDocumentBundle:
    path: Path
    sha256: str
    manifest: dict[str, Any]


def _rows(w: Warehouse, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return w.dicts(sql.replace("{marts}", f"`{w.db('marts')}`"), params)


def _utc(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def claim_document_bundle(
    w: Warehouse, data_dir: Path, claim_id: str, claim_kind: str, out_dir: Path, tenant_id: str = ""
) -> ClaimDocumentBundle:
    """Write `<out_dir>/<claim id>-<claim kind>.zip`; raises ClaimDocumentsError (one line) when it can't."""
    if claim_kind not in ("preauth", "claim"):
        raise ClaimDocumentsError(f"--kind {claim_kind!r}: give preauth or claim")
    params = {"claim": claim_id, "kind": claim_kind, "tenant": tenant_id}
    where = "claim_id = {claim:String} and ({tenant:String} = '' or tenant_id = {tenant:String})"
    tenants = sorted(
        {r["tenant_id"] for r in _rows(w, "select tenant_id from {marts}.fct_claims where " + where, params)}
    )
    if not tenants:
        raise ClaimDocumentsError(
            "no such claim in fct_claims; check the number (and --tenant), or load and build first"
        )
    if len(tenants) > 1:
        raise ClaimDocumentsError(f"{len(tenants)} tenants have this claim number; give --tenant")
    params["tenant"] = tenants[0]
    documents = _rows(
        w,
        f"select {', '.join(COLUMNS)} from {{marts}}.fct_claim_documents "
        f"where {where} and claim_kind = {{kind:String}} order by document_kind, file_name, sha256",
        params,
    )
    missing = [
        r["document_kind"]
        for r in _rows(
            w,
            f"select document_kind from {{marts}}.fct_claim_document_exceptions "
            f"where {where} and claim_kind = {{kind:String}} and status = 'missing' order by document_kind",
            params,
        )
    ]
    entries, listed = _files(Path(data_dir), documents)
    manifest = {
        "format": FORMAT,
        "tenant_id": tenants[0],
        "claim_id": claim_id,
        "claim_kind": claim_kind,
        "documents": listed,
        "missing_required": missing,
    }
    entries[MANIFEST] = (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{claim_id.replace('/', '_')}-{claim_kind}.zip"
    with AtomicFiles() as files:
        temp = files.temp_for(target)
        write_zip(temp, entries)
        digest = sha256_of(temp.read_bytes())
    return ClaimDocumentBundle(target, digest, manifest)


def _files(data_dir: Path, documents: list[dict[str, Any]]) -> tuple[dict[str, bytes], list[dict[str, Any]]]:
    """Each document's current file, checked against its recorded SHA-256. A file listed again after it
    changed has several rows: the one whose SHA-256 the file has now is the document."""
    entries: dict[str, bytes] = {}
    listed: list[dict[str, Any]] = []
    by_file: dict[str, list[dict[str, Any]]] = {}
    for row in documents:
        if not row["in_data_folder"]:
            raise ClaimDocumentsError(
                f"the {row['document_kind']} came over NHCX only and is not in {DOCUMENTS_DIR}/; "
                "list its file in a document manifest and load it"
            )
        by_file.setdefault(row["file_name"], []).append(row)
    for name, rows in sorted(by_file.items()):
        path = data_dir / DOCUMENTS_DIR / PurePosixPath(name)
        if not path.is_file():
            raise ClaimDocumentsError(
                f"{DOCUMENTS_DIR}/{name} is gone from the data folder; put it back or give --data-dir"
            )
        data = path.read_bytes()
        row = next((r for r in rows if r["sha256"] == sha256_of(data)), None)
        if row is None:
            raise ClaimDocumentsError(
                f"{DOCUMENTS_DIR}/{name} changed since it was loaded (SHA-256 differs); list it in a new manifest and load it"
            )
        entry = f"{row['document_kind']}/{PurePosixPath(name).name}"
        entries[entry] = data
        listed.append(
            {
                "document_kind": row["document_kind"],
                "title": DOCUMENT_KINDS.get(row["document_kind"], row["document_kind"]),
                "path": entry,
                "file_name": name,
                "sha256": row["sha256"],
                "size_bytes": int(row["size_bytes"]),
                "content_type": row["content_type"],
                "attached_at": _utc(row["attached_at"]),
                "channels": row["channels"].split(","),
                "sensitivity": "phi",
            }
        )
    listed.sort(key=lambda d: (list(DOCUMENT_KINDS).index(d["document_kind"]), d["path"]))
    return entries, listed
