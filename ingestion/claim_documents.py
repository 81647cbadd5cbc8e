"""The documents a pre-authorisation or a claim is submitted with (docs/claims.md, "Document bundles"): their
kinds, the file types an insurer accepts, and the one JSON shape a claim event's `documents` column and the
document manifest feed agree on. Declared once here; the manifest reader, the NHCX reader, the reference
data's requirements, the sample generator and the bundle assembler all use it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import PurePosixPath

from core.time import IST
from ingestion.records import RowError

# What an insurance desk files with a pre-auth or a claim. The code is also the FHIR DocumentReference.type
# code (system DOCUMENT_KIND_SYSTEM) and the file's stem in claims/documents/<claim id>/.
DOCUMENT_KINDS: dict[str, str] = {
    "discharge_summary": "Discharge summary",
    "itemised_bill": "Itemised final bill",
    "id_proof": "Patient's photo ID proof",
    "prescription": "Prescription / doctor's advice for admission",
    "investigation_report": "Investigation reports",
}
DOCUMENT_KIND_SYSTEM = "https://mymedic.example/fhir/CodeSystem/claim-document-kind"
# The file types a claim document may be (by extension): what insurers' portals and NHCX accept.
CONTENT_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}
MAX_DOCUMENT_BYTES = 25 * 1024 * 1024  # NHCX's payload limit is far below; a larger file is a mistake


@dataclass(frozen=True, slots=True)
class ClaimDocument:
    """One document filed with a pre-auth or a claim, as the claim event's `documents` JSON holds it."""

    document_kind: str
    file_name: str  # the file's name (manifest: its path under claims/documents/; NHCX: the title)
    content_type: str
    size_bytes: int
    sha256: str  # hex; '' when the sender gave no content to hash (an NHCX attachment by URL only)


def documents_json(documents: list[ClaimDocument]) -> str:
    return json.dumps([asdict(d) for d in documents], ensure_ascii=False)


def document_kind(value: str, where: str) -> str:
    kind = value.strip().lower()
    if kind not in DOCUMENT_KINDS:
        raise RowError(
            f"{where} has {value.strip()!r}, not a document kind; expected one of {', '.join(DOCUMENT_KINDS)}"
        )
    return kind


def content_type_of(name: str, where: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in CONTENT_TYPES:
        raise RowError(
            f"{where}: {name!r} is not a PDF or an image; a claim document is one of "
            f"{', '.join(sorted(CONTENT_TYPES))}"
        )
    return CONTENT_TYPES[suffix]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fhir_sha1(data: bytes) -> str:
    """FHIR R4 Attachment.hash: the SHA-1 of the data, base64."""
    return base64.b64encode(hashlib.sha1(data, usedforsecurity=False).digest()).decode()


def local_time(value: str, column: str) -> datetime:
    """An ISO 8601 time (without an offset: IST), aware."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise RowError(
            f"column {column!r} has {value.strip()!r}, not a time; use e.g. 2026-10-05T14:30:00+05:30"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=IST)
