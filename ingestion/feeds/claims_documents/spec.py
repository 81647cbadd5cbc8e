"""The insurance desk's document manifest: one CSV row per document filed with a pre-auth or a claim (discharge summary, itemised bill, ID proof, prescription, investigation report), naming its file under claims/documents/; the reader fingerprints each file (SHA-256, size, content type)."""

from __future__ import annotations

from ingestion.claim_event import UTC_TIME
from ingestion.spec import Column, FeedSpec, Freshness, TableSpec

DOCUMENTS = TableSpec(
    "claims_documents",
    "One row per document the insurance desk filed with a pre-auth request or a claim submission, from the "
    "manifests in claims/documents/ (claim, kind, file, when attached), with the file's SHA-256, size and "
    "content type as read at load. A changed file is a new row (its SHA-256 is in the key).",
    (
        Column("tenant_id", "String", "The clinic chain (hospital) whose claim this is."),
        Column(
            "claim_id", "String", "The claim (or pre-authorisation) number the document is filed with.", "phi"
        ),
        Column("claim_kind", "String", "preauth (the pre-auth request) or claim (the claim submission)."),
        Column(
            "document_kind",
            "String",
            "discharge_summary, itemised_bill, id_proof, prescription or investigation_report "
            "(ingestion/claim_documents.py).",
        ),
        Column(
            "file_name",
            "String",
            "The file's path under claims/documents/ (e.g. `<claim id>/discharge_summary.pdf`).",
            "phi",
        ),
        Column(
            "content_type", "String", "The file's media type, by its extension (application/pdf, image/…)."
        ),
        Column("size_bytes", "Int64", "The file's size in bytes."),
        Column("sha256", "String", "The SHA-256 of the file's bytes (hex), as read at load."),
        Column("attached_at", UTC_TIME, "When the desk attached the document to the claim, UTC."),
    ),
    key=("tenant_id", "claim_id", "claim_kind", "document_kind", "sha256"),
    event_time="attached_at",
)

MANIFEST_HEADER = ("claim_id", "claim_kind", "document_kind", "file", "attached_at")

SPEC = FeedSpec(
    name="claims_documents",
    freshness=Freshness(7 * 24, 14 * 24, "documents are filed with the claims' requests, a few times a week"),
    description="The insurance desk's document manifest: one CSV row per document filed with a pre-auth or a claim (discharge summary, itemised bill, ID proof, prescription, investigation report), naming its file under claims/documents/; the reader fingerprints each file (SHA-256, size, content type).",
    source="claims",
    folder="claims/documents",
    patterns=("*.csv",),
    tables=(DOCUMENTS,),
    position="line",
    reader="python",
    headers={DOCUMENTS.name: MANIFEST_HEADER},
    # a data directory without claims (the sample's default) has no manifest
    optional_tables=(DOCUMENTS.name,),
)
