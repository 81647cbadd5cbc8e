"""A document manifest, `claims/documents/*.csv`: `claim_id,claim_kind,document_kind,file,attached_at`, the
file's path relative to the manifest's folder (`<claim id>/<kind>.pdf`), the time ISO 8601 (IST without an
offset). Each row's file is read and fingerprinted (SHA-256, size, content type); a row naming no file, a
file outside the folder, an empty or unaccepted file, an unknown kind or a bad time is quarantined with the
reason. The files themselves (in the claim folders) are never loaded: only the manifest is the feed's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from ingestion import parsers as p
from ingestion.claim_documents import (
    MAX_DOCUMENT_BYTES,
    content_type_of,
    document_kind,
    local_time,
    sha256_hex,
)
from ingestion.claim_event import CLAIM_KINDS, FIRST_TIME, LAST_TIME
from ingestion.csv_source import csv_records
from ingestion.feeds.base import LoadContext
from ingestion.feeds.claims_documents.spec import MANIFEST_HEADER
from ingestion.records import Record, RowError
from ingestion.spec import TableSpec


def document_file(folder: Path, name: str) -> Path:
    """The file a manifest row names, inside `folder`; raises RowError when it is not a readable file there."""
    relative = PurePosixPath(name.replace("\\", "/"))
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise RowError(f"column 'file' has {p.show(name)}; give the path under the manifest's folder")
    path = folder.joinpath(*relative.parts)
    if not path.is_file():
        raise RowError(
            f"column 'file' names {p.show(name)}, which is not in the manifest's folder; add the file"
        )
    return path


def parse_row(fields: dict[str, str], folder: Path, tenant_id: str) -> dict[str, Any]:
    claim_kind = p.text("claim_kind", fields["claim_kind"], required=True).lower()
    if claim_kind not in CLAIM_KINDS:
        raise RowError(f"column 'claim_kind' has {p.show(fields['claim_kind'])}; expected preauth or claim")
    name = p.text("file", fields["file"], required=True)
    content_type = content_type_of(name, "column 'file'")
    attached = local_time(p.text("attached_at", fields["attached_at"], required=True), "attached_at")
    if not FIRST_TIME <= attached <= LAST_TIME:
        raise RowError("column 'attached_at' is outside 1900..2299, what the warehouse holds")
    path = document_file(folder, name)
    data = path.read_bytes()
    if not 0 < len(data) <= MAX_DOCUMENT_BYTES:
        raise RowError(f"column 'file' names {p.show(name)}, of {len(data)} bytes; expected 1 byte to 25 MB")
    return {
        "tenant_id": tenant_id,
        "claim_id": p.text("claim_id", fields["claim_id"], required=True),
        "claim_kind": claim_kind,
        "document_kind": document_kind(fields["document_kind"], "column 'document_kind'"),
        "file_name": PurePosixPath(name.replace("\\", "/")).as_posix(),
        "content_type": content_type,
        "size_bytes": len(data),
        "sha256": sha256_hex(data),
        "attached_at": attached,
    }


class ClaimsDocumentsReader:
    kind: Literal["python"] = "python"

    def unit(self, path: Path) -> str:
        return "lines"

    def records(self, path: Path, table: TableSpec, context: LoadContext) -> Iterator[Record]:
        yield from csv_records(
            path, list(MANIFEST_HEADER), lambda fields: parse_row(fields, path.parent, context.tenant_id)
        )
