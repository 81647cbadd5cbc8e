"""The documents the sample's insurance desk files with each claim (docs/claims-sample.md, "Documents"): per
pre-auth request and claim submission, the documents its insurer requires (reference/
claim_document_requirements.csv), each a small real PDF in claims/documents/<claim id>/ listed in
claims/documents/manifest.csv, and on NHCX the same documents as DocumentReferences in the ClaimBundle.

Injected: the first query-cycle claim (not the late-event one) is submitted without its discharge summary,
which is the query's reason (`Q-DS`) and is attached when the query is answered (`attached_late`); without
such a claim, the first submitted TPA claim never gets it (`missing`). And a manifest row naming a file that
was never uploaded, for the quarantine. Draws from its own RNG (seeded from the sample's seed): the claims'
stories and every other file but the NHCX bundles (which gain the DocumentReferences) are as without it.
"""

from __future__ import annotations

import base64
import csv
import io
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A5
from reportlab.pdfgen.canvas import Canvas

from ingestion.claim_documents import DOCUMENT_KIND_SYSTEM, DOCUMENT_KINDS, fhir_sha1
from ingestion.feeds.claims_documents.spec import MANIFEST_HEADER
from ingestion.feeds.reference.spec import CLAIM_DOCUMENT_REQUIREMENTS

from .adt_wire import iso_ist
from .claims import INSURERS, LATE, QUERY, Claim
from .clock import MINUTE_MS

DOCUMENTS_DIR = "claims/documents"
MANIFEST = f"{DOCUMENTS_DIR}/manifest.csv"
REQUIREMENTS_FILE = "reference/claim_document_requirements.csv"
REQUEST_EVENTS = {"preauth_requested": "preauth", "claim_submitted": "claim"}
INFO_CATEGORY = "http://terminology.hl7.org/CodeSystem/claiminformationcategory"
# What the insurers require ('' every insurer's default): Kaveri also wants the investigation reports with a
# claim; Janata has the ID proof from the pre-auth and waives it at the claim.
DEFAULT_REQUIRED = {
    "preauth": ("id_proof", "prescription"),
    "claim": ("discharge_summary", "itemised_bill", "id_proof"),
}
INSURER_RULES = {
    "Kaveri General Insurance": (("claim", "investigation_report", 1),),
    "Janata Health Insurance": (("claim", "id_proof", 0),),
}
WITHHELD = "discharge_summary"  # what the injected claim is submitted without
NEVER_UPLOADED = "id_proof-rescan.pdf"  # the injected manifest row's file, never in the folder


@dataclass(frozen=True, slots=True)
class FiledDocument:
    claim_id: str
    claim_kind: str
    document_kind: str
    attached_ms: int
    data: bytes

    @property
    def file(self) -> str:
        """The file's path under claims/documents/."""
        return f"{self.claim_id}/{self.claim_kind}-{self.document_kind}.pdf"


def required(insurer: str, claim_kind: str) -> list[str]:
    """The documents `insurer` requires with a request of `claim_kind` (its rows over the default)."""
    kinds = dict.fromkeys(DEFAULT_REQUIRED[claim_kind], 1)
    for kind, document, needed in INSURER_RULES.get(insurer, ()):
        if kind == claim_kind:
            kinds[document] = needed
    return [d for d in DOCUMENT_KINDS if kinds.get(d)]


def requirement_rows(tenant: str) -> list[tuple[str, str, str, str, int]]:
    """reference/claim_document_requirements.csv: the default, and each insurer's rows under its name (as a
    TPA's export names it) and its NHCX participant code (as NHCX does)."""
    rows = [(tenant, "", k, d, 1) for k, documents in DEFAULT_REQUIRED.items() for d in documents]
    for name, code in INSURERS:
        for kind, document, needed in INSURER_RULES.get(name, ()):
            rows += [(tenant, name, kind, document, needed), (tenant, code, kind, document, needed)]
    return rows


def _pdf(c: Claim, claim_kind: str, document_kind: str) -> bytes:
    """A one-page A5 PDF saying what the document is (reportlab's invariant mode: the same bytes each run)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A5, invariant=1)
    canvas.setTitle(f"{DOCUMENT_KINDS[document_kind]} - {c.claim_id}")
    p = c.visit.patient
    lines = [
        ("Helvetica-Bold", 13, f"MyMedic Hospitals - {DOCUMENT_KINDS[document_kind]}"),
        ("Helvetica", 10, f"{'Pre-authorisation' if claim_kind == 'preauth' else 'Claim'} {c.claim_id}"),
        ("Helvetica", 10, f"Patient: {p.given} {p.family} (MRN {p.mrn})"),
        ("Helvetica", 10, f"Visit {c.visit.visit_number}, branch {c.visit.branch.branch_id}"),
        ("Helvetica", 10, f"Insurer: {c.insurer}; policy {c.policy_number}"),
        ("Helvetica-Oblique", 8, "Synthetic sample document (mymedic generate --claims)."),
    ]
    y = A5[1] - 60
    for font, size, text in lines:
        canvas.setFont(font, size)
        canvas.drawString(40, y, text)
        y -= size + 10
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _injected(claims: list[Claim]) -> tuple[Claim | None, bool]:
    """The claim submitted without the discharge summary, and whether it attaches it on the query's answer."""
    for c in claims:
        if QUERY in c.tags and LATE not in c.tags and any(s.event == "query_answered" for s in c.steps):
            return c, True
    submitted = (c for c in claims if c.tpa and any(s.event == "claim_submitted" for s in c.steps))
    return next(submitted, None), False


def file_documents(claims: list[Claim], seed: int) -> list[FiledDocument]:
    """Every document the desk files, by claim and time: before each request, what its insurer requires, and
    with a claim sometimes the investigation reports too."""
    rng = random.Random(f"claim-documents:{seed}")  # its own stream
    injected, on_answer = _injected(claims)
    out: list[FiledDocument] = []
    for c in claims:
        for s in c.steps:
            kind = REQUEST_EVENTS.get(s.event)
            if kind is None:
                continue
            kinds = required(c.insurer, kind)
            if kind == "claim" and "investigation_report" not in kinds and rng.random() < 0.5:
                kinds.append("investigation_report")
            for document in kinds:
                at = s.at_ms - rng.randrange(10 * MINUTE_MS, 50 * MINUTE_MS) // 1000 * 1000
                if c is injected and kind == "claim" and document == WITHHELD:
                    if not on_answer:
                        continue
                    at = next(x.at_ms for x in c.steps if x.event == "query_answered")
                out.append(FiledDocument(c.claim_id, kind, document, at, _pdf(c, kind, document)))
    return out


def exceptions(claims: list[Claim], documents: list[FiledDocument]) -> list[dict[str, Any]]:
    """What fct_claim_document_exceptions must list: each request's required document not attached by its
    first request time (attached_late when attached after, missing when never)."""
    out = []
    for c in claims:
        for kind in ("preauth", "claim"):
            times = [s.at_ms for s in c.steps if REQUEST_EVENTS.get(s.event) == kind]
            if not times:
                continue
            for document in required(c.insurer, kind):
                key = (c.claim_id, kind, document)
                filed = [
                    d.attached_ms for d in documents if (d.claim_id, d.claim_kind, d.document_kind) == key
                ]
                if filed and min(filed) <= min(times):
                    continue
                rules = INSURER_RULES.get(c.insurer, ())
                out.append(
                    {
                        "claim_id": c.claim_id,
                        "claim_kind": kind,
                        "document_kind": document,
                        "insurer": c.stated_insurer,
                        "requirement_source": "insurer"
                        if any((k, d) == (kind, document) for k, d, _ in rules)
                        else "default",
                        "status": "attached_late" if filed else "missing",
                    }
                )
    return out


def document_references(c: Claim, claim_kind: str, at_ms: int, documents: list[FiledDocument]) -> list[dict]:
    """The DocumentReferences an NHCX request of the claim carries: its documents attached by then."""
    out = []
    for d in documents:
        if (d.claim_id, d.claim_kind) != (c.claim_id, claim_kind) or d.attached_ms > at_ms:
            continue
        name = d.file.rsplit("/", 1)[-1]
        out.append(
            {
                "resourceType": "DocumentReference",
                "id": f"doc-{claim_kind}-{d.document_kind.replace('_', '-')}",  # FHIR ids: no _
                "status": "current",
                "type": {
                    "coding": [
                        {
                            "system": DOCUMENT_KIND_SYSTEM,
                            "code": d.document_kind,
                            "display": DOCUMENT_KINDS[d.document_kind],
                        }
                    ]
                },
                "subject": {"reference": "urn:uuid:patient-1"},
                "date": iso_ist(d.attached_ms),
                "content": [
                    {
                        "attachment": {
                            "contentType": "application/pdf",
                            "data": base64.b64encode(d.data).decode(),
                            "size": len(d.data),
                            "hash": fhir_sha1(d.data),
                            "title": name,
                        }
                    }
                ],
            }
        )
    return out


def attach(bundle: dict[str, Any], references: list[dict]) -> None:
    """Add the DocumentReferences to a ClaimBundle and reference each from its Claim's supportingInfo."""
    claim = bundle["entry"][0]["resource"]
    info = claim.setdefault("supportingInfo", [])
    for ref in references:
        url = f"urn:uuid:{ref['id']}"
        bundle["entry"].append({"fullUrl": url, "resource": ref})
        info.append(
            {
                "sequence": len(info) + 1,
                "category": {"coding": [{"system": INFO_CATEGORY, "code": "attachment"}]},
                "valueReference": {"reference": url},
            }
        )


def write_documents(
    out: Path, claims: list[Claim], documents: list[FiledDocument], tenant: str
) -> tuple[list[Path], dict[str, Any]]:
    """The PDFs, the manifest (with the injected row naming a file never uploaded) and the requirements;
    returns (the files, the truth's `documents` section)."""
    paths: list[Path] = []
    for d in documents:
        path = out / DOCUMENTS_DIR / d.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(d.data)
        paths.append(path)
    rows = [
        (d.claim_id, d.claim_kind, d.document_kind, d.file, iso_ist(d.attached_ms))
        for d in sorted(documents, key=lambda d: (d.attached_ms, d.file))
    ]
    quarantine = []
    if rows:
        claim_id, kind, _, _, at = rows[0]
        rows.insert(1, (claim_id, kind, "id_proof", f"{claim_id}/{NEVER_UPLOADED}", at))
        quarantine.append({"file": MANIFEST, "line": 3, "reason": "which is not in the manifest's folder"})
    paths.append(_csv(out / MANIFEST, MANIFEST_HEADER, rows))
    paths.append(
        _csv(out / REQUIREMENTS_FILE, CLAIM_DOCUMENT_REQUIREMENTS.column_names, requirement_rows(tenant))
    )
    truth = {
        "manifest": MANIFEST,
        "requirements": REQUIREMENTS_FILE,
        "records": len(rows),
        "stored": len(documents),
        "expected_quarantine": quarantine,
        "exceptions": sorted(exceptions(claims, documents), key=lambda e: (e["claim_id"], e["claim_kind"])),
    }
    return paths, truth


def _csv(path: Path, header: tuple[str, ...] | list[str], rows: list[tuple]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path
