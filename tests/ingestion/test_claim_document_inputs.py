"""The documents of a claim on the ingestion side (docs/claims.md, "Document bundles"): an NHCX ClaimBundle's
DocumentReferences, parsed with fhir.resources.R4B through the real loader, whose bad ones quarantine the
message with the FHIR path and the reason; and the insurers' requirements as reference data, bad rows
quarantined with the reason. (The manifest, the marts and the zip: tests/dbt_project/test_claim_documents.py.)
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from pathlib import Path

from support.nhcx_messages import bundle, claim, message, with_documents

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.claims_nhcx import FEED as NHCX
from ingestion.feeds.reference import FEED as REFERENCE
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables

SUMMARY = b"%PDF-1.4 a discharge summary"


def _bundle(documents: list[tuple[str, str, bytes]]) -> dict:
    return with_documents(bundle(claim("CLM-D1", "claim", 1000.0), "ClaimBundle"), documents)


def _attachment(payload: dict, entry: int = 3) -> dict:
    return payload["entry"][entry]["resource"]["content"][0]["attachment"]


def test_bad_document_references_quarantine_their_message_with_the_fhir_path(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    create_raw_tables(warehouse)
    good = _bundle([("discharge_summary", "summary.pdf", SUMMARY)])
    altered = copy.deepcopy(good)
    _attachment(altered)["data"] = base64.b64encode(SUMMARY + b" edited").decode()
    _attachment(altered)["size"] = len(SUMMARY) + 7
    unknown = _bundle([("consent_form", "consent.pdf", SUMMARY)])
    wrong_type = copy.deepcopy(good)
    _attachment(wrong_type)["contentType"] = "image/png"
    dangling = copy.deepcopy(good)
    dangling["entry"].pop(3)
    by_url = copy.deepcopy(good)
    del _attachment(by_url)["data"], _attachment(by_url)["hash"]
    _attachment(by_url)["url"] = "https://dms.hospital.example/CLM-D1/summary.pdf"
    lines = [
        message(f"corr-{n}", f"call-{n}", payload)
        for n, payload in enumerate((good, altered, unknown, wrong_type, dangling, by_url), start=1)
    ]
    path = tmp_path / "inbox.ndjson"
    path.write_text("".join(json.dumps(m) + "\n" for m in lines))
    result = load_file(warehouse, NHCX, path, LoadContext("tnt_d"), source="inbox.ndjson")
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (2, 4)
    stored = [
        json.loads(d)
        for (d,) in warehouse.rows("select documents from raw.claims_nhcx_events order by _source_line")
    ]
    assert [d[0]["sha256"] for d in stored] == [
        hashlib.sha256(SUMMARY).hexdigest(),
        "",  # by URL only: no content to hash, its size as stated
    ]
    assert stored[1][0]["size_bytes"] == len(SUMMARY)
    reasons = [
        r
        for (r,) in warehouse.rows(
            "select reason from raw.quarantine where _source_file = 'inbox.ndjson' order by _source_line"
        )
    ]
    at = "payload: Bundle.entry[3].resource: DocumentReference"
    assert reasons == [
        f"{at}.content[0].attachment.hash is not the SHA-1 of its data: the document was altered or truncated",
        f"{at}.type has 'consent_form', not a claim document kind; expected one of discharge_summary, "
        "itemised_bill, id_proof, prescription, investigation_report",
        f"{at}.content[0].attachment.contentType is 'image/png', but the file 'summary.pdf' is application/pdf",
        "payload: Bundle.entry[0].resource: Claim.supportingInfo[0].valueReference: 'urn:uuid:doc-1' is not a "
        "DocumentReference in the bundle",
    ]


def test_the_document_requirements_load_and_bad_rows_are_quarantined_with_reasons(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    create_raw_tables(warehouse)
    (tmp_path / "reference").mkdir()
    path = tmp_path / "reference" / "claim_document_requirements.csv"
    path.write_text(
        "tenant_id,insurer,claim_kind,document_kind,required\n"
        "tnt_r,,claim,Discharge_Summary,1\n"
        "tnt_r,Star Health,Claim,id_proof,0\n"
        "tnt_r,,reimbursement,id_proof,1\n"
        "tnt_r,,claim,consent_form,1\n"
        "tnt_r,,claim,id_proof,maybe\n"
    )
    result = load_file(warehouse, REFERENCE, path, LoadContext("tnt_r"), source="reference/reqs.csv")
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (2, 3)
    assert warehouse.rows(
        "select insurer, claim_kind, document_kind, required from raw.reference_claim_document_requirements "
        "order by _source_line"
    ) == [("", "claim", "discharge_summary", 1), ("Star Health", "claim", "id_proof", 0)]
    reasons = [
        r
        for (r,) in warehouse.rows(
            "select reason from raw.quarantine where _source_file = 'reference/reqs.csv' order by _source_line"
        )
    ]
    assert reasons == [
        "column 'claim_kind' has 'reimbursement'; expected preauth or claim",
        "column 'document_kind' has 'consent_form', not a document kind; expected one of discharge_summary, "
        "itemised_bill, id_proof, prescription, investigation_report",
        "column 'required' has 'maybe'; expected 0 or 1",
    ]
