"""Claim document bundles end to end (docs/claims.md, "Document bundles"): a document manifest with real PDF
files, the insurers' requirements, TPA events and an NHCX ClaimBundle carrying DocumentReferences, through the
real loader and a real `dbt build`; then the claim's zip written from the marts and the data folder, read back.

The requirements: a pre-auth needs the ID proof; a claim the discharge summary, the itemised bill and the ID
proof (the default); Niva Bupa waives the ID proof at the claim; the NHCX insurer also wants investigation
reports with a claim. Expected rows are worked out by hand in the comments. Times are IST.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dbt_runner import build_ok
from reportlab.pdfgen.canvas import Canvas
from support.nhcx_messages import INSURER, bundle, claim, message, with_documents

from core.settings import DATA_ENV, WAREHOUSE_ENV, WarehouseSettings, warehouse_settings
from core.warehouse import Warehouse, open_warehouse
from exports.claim_documents import ClaimDocumentsError, claim_document_bundle
from ingestion.feeds import LoadContext, feed_named
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables

MYMEDIC = str(Path(sys.executable).with_name("mymedic"))
TENANT = "t_docs"
STAR, NIVA = "Star Health", "Niva Bupa"
TPA_HEADER = (
    "Event Id,Ref No,Claim No,Type,Status,Status Date,Insurer,Hospital Code,IP No,Policy No,Claimed Amt,"
    "Approved Amt,Deducted Amt,Paid Amt,TDS Amt,Deductions,Reason Code,Remarks,UTR No\n"
)


def pdf(text: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    canvas.drawString(72, 720, text)
    canvas.save()
    return buffer.getvalue()


def event(event_id: str, claim_id: str, kind: str, status: str, at: str, insurer: str) -> str:
    return f"{event_id},R-{claim_id},{claim_id},{kind},{status},{at},{insurer},br_blr01,IP-{claim_id},P-1,1000,,,,,,,,\n"


D3_SUMMARY = pdf("D3 discharge summary")
D3_BILL = pdf("D3 itemised bill")
FILES: dict[str, bytes] = {
    "D1/preauth-id_proof.pdf": pdf("D1 id proof"),
    "D1/discharge_summary.pdf": pdf("D1 discharge summary"),
    "D1/itemised_bill.pdf": pdf("D1 itemised bill"),
    "D1/id_proof.jpg": b"\xff\xd8\xff\xe0 a scanned ID",
    "D2/discharge_summary.pdf": pdf("D2 discharge summary"),
    "D2/itemised_bill.pdf": pdf("D2 itemised bill"),
    "D3/discharge_summary.pdf": D3_SUMMARY,
    "D2/empty.pdf": b"",
    "D2/notes.docx": b"PK a word file",
}
MANIFEST = (
    "claim_id,claim_kind,document_kind,file,attached_at\n"
    # D1 (Star Health, TPA): everything before each request: no exception
    "D1,preauth,id_proof,D1/preauth-id_proof.pdf,2026-10-01T08:30:00\n"
    "D1,claim,discharge_summary,D1/discharge_summary.pdf,2026-10-05 09:00:00\n"
    "D1,claim,itemised_bill,D1/itemised_bill.pdf,2026-10-05T09:10:00+05:30\n"
    "D1,claim,id_proof,D1/id_proof.jpg,2026-10-05T09:20:00\n"
    # D2 (Niva Bupa, TPA): the bill attached a day after the submission: attached_late; ID proof waived
    "D2,claim,discharge_summary,D2/discharge_summary.pdf,2026-10-05T09:00:00\n"
    "D2,claim,itemised_bill,D2/itemised_bill.pdf,2026-10-06T12:00:00\n"
    # D3 (NHCX): the discharge summary the ClaimBundle also carries: one document, two channels
    "D3,claim,discharge_summary,D3/discharge_summary.pdf,2026-10-10T09:00:00\n"
    # quarantined, each with its reason
    "D2,claim,id_proof,D2/id_proof.pdf,2026-10-05T09:00:00\n"
    "D2,claim,id_proof,../outside.pdf,2026-10-05T09:00:00\n"
    "D2,claim,consent_form,D2/discharge_summary.pdf,2026-10-05T09:00:00\n"
    "D2,claim,prescription,D2/notes.docx,2026-10-05T09:00:00\n"
    "D2,claim,prescription,D2/empty.pdf,2026-10-05T09:00:00\n"
    "D2,claim,prescription,D2/discharge_summary.pdf,yesterday\n"
    "D2,reimbursement,prescription,D2/discharge_summary.pdf,2026-10-05T09:00:00\n"
)
QUARANTINED = [
    "column 'file' names 'D2/id_proof.pdf', which is not in the manifest's folder; add the file",
    "column 'file' has '../outside.pdf'; give the path under the manifest's folder",
    "column 'document_kind' has 'consent_form', not a document kind",
    "column 'file': 'D2/notes.docx' is not a PDF or an image",
    "column 'file' names 'D2/empty.pdf', of 0 bytes; expected 1 byte to 25 MB",
    "column 'attached_at' has 'yesterday', not a time",
    "column 'claim_kind' has 'reimbursement'; expected preauth or claim",
]
REQUIREMENTS = (
    "tenant_id,insurer,claim_kind,document_kind,required\n"
    f"{TENANT},,preauth,id_proof,1\n"
    f"{TENANT},,claim,discharge_summary,1\n"
    f"{TENANT},,claim,itemised_bill,1\n"
    f"{TENANT},,claim,id_proof,1\n"
    f"{TENANT},{NIVA},claim,id_proof,0\n"
    f"{TENANT},{INSURER},claim,investigation_report,1\n"
)
TPA_EVENTS = (
    TPA_HEADER
    + event("E1", "D1", "Preauth", "Preauth Raised", "01/10/2026 09:00", STAR)
    + event("E2", "D1", "Claim", "Claim Submitted", "05/10/2026 10:00", STAR)
    + event("E3", "D2", "Claim", "Claim Submitted", "05/10/2026 10:00", NIVA)
)
# D3 over NHCX at 10/10 10:00 with its discharge summary (the manifest's bytes) and an itemised bill that is
# only in the bundle; no ID proof (missing) nor investigation reports (missing, the insurer's own rule)
D3_BUNDLE = with_documents(
    bundle(claim("D3", "claim", 5000.0), "ClaimBundle"),
    [("discharge_summary", "discharge_summary.pdf", D3_SUMMARY), ("itemised_bill", "bill.pdf", D3_BILL)],
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[WarehouseSettings, Path, dict]:
    root = tmp_path_factory.mktemp("claim_documents")
    data = root / "data"
    for name, blob in FILES.items():
        (data / "claims/documents" / name).parent.mkdir(parents=True, exist_ok=True)
        (data / "claims/documents" / name).write_bytes(blob)
    texts = {
        "claims/documents/manifest.csv": MANIFEST,
        "reference/claim_document_requirements.csv": REQUIREMENTS,
        "claims/tpa/example_tpa/events.csv": TPA_EVENTS,
        "claims/nhcx/d3.json": json.dumps(message("corr-d3", "api-1", D3_BUNDLE)),
    }
    for name, text in texts.items():
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        (data / name).write_text(text)
    settings = warehouse_settings(f"chdb://{root / 'warehouse'}")
    results = {}
    with open_warehouse(settings) as warehouse:  # closed before dbt opens the directory
        create_raw_tables(warehouse)
        for name in ("reference", "claims_tpa", "claims_nhcx", "claims_documents"):
            feed = feed_named(name)
            for path in feed.files(data):
                results[name] = load_file(warehouse, feed, path, LoadContext(TENANT), source=path.name)
    build_ok(settings, root, "+fct_claim_document_exceptions")
    return settings, data, results


@pytest.fixture
def warehouse(built) -> Iterator[Warehouse]:
    with open_warehouse(built[0]) as w:
        yield w


def rows(w: Warehouse, sql: str) -> list[dict[str, Any]]:
    return w.dicts(sql.format(marts=w.db("marts"), raw=w.db("raw")))


def test_the_manifest_loads_each_row_or_quarantines_it_with_the_reason(built, warehouse: Warehouse) -> None:
    results = built[2]
    manifest = results["claims_documents"]
    assert manifest.conserved and manifest.rows_read == 14
    assert (manifest.rows_loaded, manifest.rows_quarantined) == (7, 7)
    reasons = [
        r["reason"]
        for r in rows(
            warehouse,
            "select reason from {raw}.quarantine where _source_file = 'manifest.csv' order by _source_line",
        )
    ]
    assert len(reasons) == len(QUARANTINED)
    for reason, expected in zip(reasons, QUARANTINED, strict=True):
        assert expected in reason, reason
    stored = rows(warehouse, "select file_name, sha256, size_bytes, content_type from {raw}.claims_documents")
    by_file = {r["file_name"]: r for r in stored}
    blob = FILES["D1/id_proof.jpg"]
    assert by_file["D1/id_proof.jpg"] == {
        "file_name": "D1/id_proof.jpg",
        "sha256": hashlib.sha256(blob).hexdigest(),
        "size_bytes": len(blob),
        "content_type": "image/jpeg",
    }


def test_the_nhcx_bundles_documents_are_stated_on_its_event(built, warehouse: Warehouse) -> None:
    results = built[2]
    assert results["claims_nhcx"].rows_loaded == 1
    [row] = rows(warehouse, "select documents from {raw}.claims_nhcx_events")
    assert json.loads(row["documents"]) == [
        {
            "document_kind": "discharge_summary",
            "file_name": "discharge_summary.pdf",
            "content_type": "application/pdf",
            "size_bytes": len(D3_SUMMARY),
            "sha256": hashlib.sha256(D3_SUMMARY).hexdigest(),
        },
        {
            "document_kind": "itemised_bill",
            "file_name": "bill.pdf",
            "content_type": "application/pdf",
            "size_bytes": len(D3_BILL),
            "sha256": hashlib.sha256(D3_BILL).hexdigest(),
        },
    ]


def test_a_document_from_both_channels_is_one_row(warehouse: Warehouse) -> None:
    docs = rows(
        warehouse,
        "select claim_id, claim_kind, document_kind, file_name, channels, in_data_folder, "
        "toString(attached_at) as attached from {marts}.fct_claim_documents order by claim_id, claim_kind, "
        "document_kind",
    )
    d3 = [d for d in docs if d["claim_id"] == "D3"]
    assert d3 == [
        # the manifest's path and time (09:00 IST, before the bundle's 10:00)
        {"claim_id": "D3", "claim_kind": "claim", "document_kind": "discharge_summary",
         "file_name": "D3/discharge_summary.pdf", "channels": "manifest,nhcx", "in_data_folder": 1,
         "attached": "2026-10-10 03:30:00.000"},
        {"claim_id": "D3", "claim_kind": "claim", "document_kind": "itemised_bill", "file_name": "bill.pdf",
         "channels": "nhcx", "in_data_folder": 0, "attached": "2026-10-10 04:30:00.000"},
    ]  # fmt: skip
    assert len(docs) == 8


def test_each_missing_required_document_is_an_exception_on_its_request(warehouse: Warehouse) -> None:
    found = rows(
        warehouse,
        "select claim_id, claim_kind, document_kind, insurer, requirement_source, status, "
        "toString(first_attached_at) as attached from {marts}.fct_claim_document_exceptions "
        "order by claim_id, document_kind",
    )
    assert found == [
        # D2: the bill came a day late; Niva Bupa waived the ID proof, so no row for it
        {"claim_id": "D2", "claim_kind": "claim", "document_kind": "itemised_bill", "insurer": NIVA,
         "requirement_source": "default", "status": "attached_late", "attached": "2026-10-06 06:30:00.000"},
        {"claim_id": "D3", "claim_kind": "claim", "document_kind": "id_proof", "insurer": INSURER,
         "requirement_source": "default", "status": "missing", "attached": None},
        {"claim_id": "D3", "claim_kind": "claim", "document_kind": "investigation_report", "insurer": INSURER,
         "requirement_source": "insurer", "status": "missing", "attached": None},
    ]  # fmt: skip


def test_the_bundle_zips_the_files_with_a_manifest_the_same_bytes_each_time(
    built, warehouse: Warehouse, tmp_path: Path
) -> None:
    data = built[1]
    first = claim_document_bundle(warehouse, data, "D1", "claim", tmp_path / "a")
    again = claim_document_bundle(warehouse, data, "D1", "claim", tmp_path / "b")
    assert first.path.name == "D1-claim.zip"
    assert first.path.read_bytes() == again.path.read_bytes()
    with zipfile.ZipFile(first.path) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        contents = {n: archive.read(n) for n in names}
    assert names == [
        "discharge_summary/discharge_summary.pdf", "id_proof/id_proof.jpg", "itemised_bill/itemised_bill.pdf",
        "manifest.json",
    ]  # fmt: skip
    assert manifest["claim_id"] == "D1" and manifest["claim_kind"] == "claim"
    assert manifest["missing_required"] == []
    for doc in manifest["documents"]:
        blob = FILES[doc["file_name"]]
        assert contents[doc["path"]] == blob
        assert (doc["sha256"], doc["size_bytes"], doc["sensitivity"]) == (
            hashlib.sha256(blob).hexdigest(),
            len(blob),
            "phi",
        )
    assert [d["document_kind"] for d in manifest["documents"]] == [
        "discharge_summary",
        "itemised_bill",
        "id_proof",
    ]
    preauth = claim_document_bundle(warehouse, data, "D1", "preauth", tmp_path / "a")
    assert [d["path"] for d in preauth.manifest["documents"]] == ["id_proof/preauth-id_proof.pdf"]


def test_the_bundle_refuses_a_changed_file_a_document_not_in_the_folder_and_an_unknown_claim(
    built, warehouse: Warehouse, tmp_path: Path
) -> None:
    data = built[1]
    with pytest.raises(ClaimDocumentsError, match="came over NHCX only"):
        claim_document_bundle(warehouse, data, "D3", "claim", tmp_path)
    with pytest.raises(ClaimDocumentsError, match="no such claim"):
        claim_document_bundle(warehouse, data, "D9", "claim", tmp_path)
    changed = data / "claims/documents/D2/itemised_bill.pdf"
    original = changed.read_bytes()
    changed.write_bytes(original + b"%% edited")
    try:
        with pytest.raises(ClaimDocumentsError, match="changed since it was loaded"):
            claim_document_bundle(warehouse, data, "D2", "claim", tmp_path)
    finally:
        changed.write_bytes(original)
    assert not list(tmp_path.glob("*.zip"))


def test_the_cli_prints_the_zip_or_one_line_and_exit_1(built, tmp_path: Path) -> None:
    settings, data, _ = built
    env = {**os.environ, WAREHOUSE_ENV: f"chdb://{settings.path}", DATA_ENV: str(data)}

    def mymedic(*args: str) -> subprocess.CompletedProcess[str]:
        command = [MYMEDIC, "claims", "documents", *args, "--out", str(tmp_path)]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)

    ok = mymedic("D3", "--kind", "preauth")
    assert (ok.returncode, ok.stdout) == (0, f"{tmp_path / 'D3-preauth.zip'}\n")  # no pre-auth: no documents
    bad = mymedic("D3")
    assert bad.returncode == 1
    assert (
        bad.stderr.startswith("error: the itemised_bill came over NHCX only") and bad.stderr.count("\n") == 1
    )
    unknown = mymedic("D9", "--kind", "bill")
    assert (unknown.returncode, unknown.stderr) == (1, "error: --kind 'bill': give preauth or claim\n")
