"""The claims bundle (exports/bundles/claims_dossiers.yaml) end to end: the hand-made claims scenario of
tests/support/claim_scenario.py loaded by the real loader, the claim marts built by a real `dbt build` on
chDB, the bundle produced by the export framework; then each dossier PDF read back by poppler (`pdftotext`
text and word boxes, `pdftoppm` PNGs kept under build/artifacts/claim_dossiers/ for a person to look at)
and the FHIR Claim and ClaimResponse parsed back with fhir.resources R4B. Expected values are the marts'
rows and the scenario's hand-worked figures."""

from __future__ import annotations

import contextlib
import html
import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claim import Claim
from fhir.resources.R4B.claimresponse import ClaimResponse
from support.claim_scenario import C1_UTR, C3_UTR, CLAIM_IDS, N1_UTR, STAR, TENANT, build_claim_marts
from support.nhcx_messages import INSURER, bundle, message

from core.money import format_rupees
from core.settings import PROJECT_ROOT, ExportSecrets
from core.time import to_ist
from core.warehouse import Warehouse, open_warehouse
from exports.claim_records import CLAIM_MARTS
from exports.framework.bundle import produce_bundle
from exports.framework.fhir_claims import CLAIM_SYSTEM
from exports.framework.fhir_resources import UTR_SYSTEM
from exports.framework.formats import FormatUnavailable, marts_read
from exports.framework.period import parse_period
from exports.framework.spec import BundleSpec, load_spec
from exports.framework.verify import verify_bundle
from exports.pdf import layout
from exports.pdf.claim_dossier import words
from ingestion.feeds import LoadContext
from ingestion.feeds.claims_nhcx.reader import message_rows

TOOLS = ("pdftoppm", "pdftotext", "pdfinfo")
missing = [tool for tool in TOOLS if shutil.which(tool) is None]
pytestmark = pytest.mark.skipif(bool(missing), reason=f"{', '.join(missing)} not installed (poppler-utils)")
ARTIFACTS = PROJECT_ROOT / "build" / "artifacts" / "claim_dossiers"
SECRETS = ExportSecrets.resolve("test-signing-key-0123456789", "test-salt-secret-0123456789")
OCTOBER = parse_period("2026-10")
AT = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)  # 07:30 IST
SPEC = load_spec("claims_dossiers")


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120).stdout


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    selection = ("+fct_claims", "+fct_claim_settlement_recon", "+fct_claim_events")
    settings = build_claim_marts(tmp_path_factory.mktemp("claim_dossiers"), *selection)
    with open_warehouse(settings) as warehouse:
        yield warehouse


@pytest.fixture(scope="module")
def produced(built: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The bundle for October, its files, each dossier's text and PNGs, and its marts' rows."""
    out = tmp_path_factory.mktemp("bundle")
    bundle = produce_bundle(built, SPEC, OCTOBER, out, secrets=SECRETS, generated_at=AT)
    with zipfile.ZipFile(bundle.path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    pngs = out / "png"
    pngs.mkdir()
    text: dict[str, str] = {}
    for name, data in files.items():
        if name.endswith(".pdf"):
            pdf = out / "pdf" / Path(name).name
            pdf.parent.mkdir(exist_ok=True)
            pdf.write_bytes(data)
            text[pdf.stem] = run("pdftotext", "-layout", str(pdf), "-")
            run("pdftoppm", "-png", "-r", "80", str(pdf), str(pngs / pdf.stem))
            shutil.copy2(pdf, pngs / pdf.name)
    with contextlib.suppress(OSError):  # kept for people to look at
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        shutil.copytree(pngs, ARTIFACTS, dirs_exist_ok=True)
    print(f"\nclaim dossiers as PNG: {pngs} (copied to {ARTIFACTS})")
    marts = built.db("marts")
    claims = {r["claim_id"]: r for r in built.dicts(f"select * from {marts}.fct_claims")}
    events = built.dicts(f"select * from {marts}.fct_claim_events order by claim_id, event_seq")
    recon = built.dicts(f"select * from {marts}.fct_claim_settlement_recon order by claim_id, utr")
    return {"bundle": bundle, "files": files, "text": text, "out": out, "claims": claims, "events": events,
            "recon": recon}  # fmt: skip


def test_the_bundle_holds_a_dossier_per_claim_fhir_and_the_events(produced) -> None:
    files = produced["files"]
    dossiers = sorted(n for n in files if n.endswith(".pdf"))
    assert dossiers == sorted(f"pdf/claim_dossiers/{TENANT}/{c}.pdf" for c in CLAIM_IDS)
    assert {n for n in files if not n.endswith(".pdf")} == {
        "csv/fct_claim_events.csv", "fhir/bundle.json", "fhir_ndjson/Claim.ndjson",
        "fhir_ndjson/ClaimResponse.ndjson", "fhir_ndjson/manifest.json", "manifest.json", "manifest.sig",
    }  # fmt: skip
    manifest = json.loads(files["manifest.json"])
    assert manifest["phi_level"] == "full"
    assert [n.rsplit(".", 1)[-1] for n in manifest["row_counts"]] == ["fct_claim_events"]
    assert list(manifest["row_counts"].values()) == [len(produced["events"])]  # October holds every event
    verified = verify_bundle(produced["bundle"].path, secrets=SECRETS)
    assert verified.manifest["bundle"] == "claims_dossiers"
    # the bundle waits for every claim mart its documents read
    assert set(CLAIM_MARTS) <= set(marts_read(SPEC))


def test_the_dossier_header_and_amounts_are_the_marts(produced) -> None:
    c1 = produced["claims"]["C1"]
    text = flat(produced["text"]["C1"])
    for expected in ("Claim dossier C1", f"Insurer {STAR}", "TPA Example TPA", "Branch br_blr01",
                     "State settled, since 08 Oct 2026, 10:00 IST", "Decision service level 96 h: breached",
                     "01 Nov 2026, 07:30 IST", "claims_dossiers-2026-10"):  # fmt: skip
        assert expected in text, expected
    amounts = {
        "Requested": "requested_paise", "Approved": "approved_paise", "Deducted": "deducted_paise",
        "Paid (net of TDS)": "paid_paise", "TDS": "tds_paise", "Remitted": "remitted_paise",
        "Insurer share": "insurer_share_paise", "Patient share": "patient_share_paise",
    }  # fmt: skip
    for label, column in amounts.items():
        assert f"{label} {format_rupees(c1[column])}" in text, label
    # worked by hand: 1,00,000 requested, 90,000 approved less 10,000, paid 81,000 + 9,000 TDS
    assert "Requested ₹1,00,000.00" in text and "Paid + TDS ₹90,000.00" in text
    assert "Patient share ₹10,000.00" in text
    assert f"Pre-auth approved {format_rupees(c1['preauth_approved_paise'])}" in text
    n1 = flat(produced["text"]["CLM-N1"])
    n1_row = produced["claims"]["CLM-N1"]
    assert f"Episode {n1_row['episode_id']} · visit IP200" in n1 and "Requested ₹1,50,000.00" in n1


def test_the_timeline_is_in_fold_order_with_ist_times(produced) -> None:
    row = re.compile(r"^\s*(\d+)\s+(\d\d \w{3} \d{4} \d\d:\d\d)\s+(\S+(?: \S+)*)\s{2,}(\S+)")
    printed = [m.groups() for line in produced["text"]["C1"].splitlines() if (m := row.match(line))]
    c1 = [e for e in produced["events"] if e["claim_id"] == "C1"]
    assert printed == [
        (
            str(e["event_seq"]),
            to_ist(e["event_time"]).strftime("%d %b %Y %H:%M"),
            words(e["event_type"]),
            e["source"],
        )
        for e in c1
    ]
    # by hand: the query loaded late (E2, 03/10) sits between the submission and its answer, by event time
    assert [p[1:3] for p in printed[:3]] == [
        ("01 Oct 2026 10:00", "claim submitted"), ("03 Oct 2026 10:00", "query raised"),
        ("04 Oct 2026 10:00", "query answered"),
    ]  # fmt: skip
    assert "Time (IST)" in produced["text"]["C1"]
    c2 = flat(produced["text"]["C2"])
    assert re.search(r"denied .*R01 denied .*dispute raised .*DSP disputed .*reopened .*approved full", c2), (
        c2
    )


def test_deductions_carry_codes_and_reasons(produced) -> None:
    text = flat(produced["text"]["C1"])
    decision = next(
        e for e in produced["events"] if e["claim_id"] == "C1" and e["event_type"] == "approved_partial"
    )
    for line in json.loads(decision["deductions"]):
        assert f"{line['code']} {line['reason']} {format_rupees(line['amount_paise'])}" in text
    assert "NME non-medical items ₹6,000.00" in text and "ROOM room rent cap ₹4,000.00" in text
    assert "The decision (approved partial) of 06 Oct 2026, 12:00 IST deducted ₹10,000.00." in text
    assert "2 lines ₹10,000.00" in text
    assert "Not decided yet: no deductions." in flat(produced["text"]["C6"])


def test_remittance_lines_and_the_bank_match(produced) -> None:
    recon = {r["claim_id"]: r for r in produced["recon"]}
    c1 = flat(produced["text"]["C1"])
    assert f"08 Oct 2026 10:00 {C1_UTR} ₹81,000.00 ₹9,000.00 tpa/example_tpa" in c1
    assert f"{C1_UTR} matched" in c1 and format_rupees(recon["C1"]["bank_credited_paise"]) in c1
    c3 = flat(produced["text"]["C3"])
    assert f"{C3_UTR} short_paid" in c3 and "₹6,000.00" in c3 and "No remittance advice line" in c3
    n1 = flat(produced["text"]["CLM-N1"])
    assert f"{N1_UTR} bank_unmatched" in n1 and "no bank credit carries the UTR" in n1
    assert f"{N1_UTR} orphan_remittance" in flat(produced["text"]["CLM-N2"])
    c7 = flat(produced["text"]["C7"])
    assert "(not settled yet) in_transit" in c7


def test_each_dossier_declares_its_phi_and_prints_no_name_or_policy(produced) -> None:
    for claim_id, text in produced["text"].items():
        page = flat(text)
        assert "protected health information (PHI)" in page, claim_id
        assert "Kiran Rao" not in page and "POL-" not in page, claim_id  # the scenario's name and policies
        assert "PHI, confidential · export claims_dossiers-2026-10" in page
    info = run("pdfinfo", str(produced["out"] / "pdf" / "C1.pdf"))
    assert re.search(r"^Subject:\s+Insurance claim dossier \(contains PHI\)$", info, re.M)


def test_no_word_is_outside_the_page_margins(produced) -> None:
    for pdf in sorted((produced["out"] / "pdf").glob("*.pdf")):
        boxes = run("pdftotext", "-bbox", str(pdf), "-")
        for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', boxes, re.S):
            width = float(page[1])
            for word in re.finditer(
                r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>(.*?)</word>', page[3]
            ):
                x0, x1 = float(word[1]), float(word[2])
                assert x0 >= layout.MARGIN - 2 and x1 <= width - layout.MARGIN + 2, (
                    pdf.name,
                    html.unescape(word[3]),
                )


def money_of(value: Any) -> Decimal:
    return Decimal(str(value.value)).quantize(Decimal("0.01"))


def rupees_of(paise: int) -> Decimal:
    return Decimal(paise).scaleb(-2)


def test_fhir_claims_parse_back_with_the_marts_values(produced) -> None:
    bundle = Bundle.model_validate_json(produced["files"]["fhir/bundle.json"])
    resources = [entry.resource for entry in bundle.entry]
    claims = {r.identifier[0].value: r for r in resources if isinstance(r, Claim)}
    # every claim with a lifecycle event; CLM-N2 is known only from a remittance line
    assert sorted(claims) == sorted(c for c in CLAIM_IDS if c != "CLM-N2")
    for claim_id, claim in claims.items():
        row = produced["claims"][claim_id]
        assert claim.identifier[0].system == CLAIM_SYSTEM
        assert claim.use == ("preauthorization" if row["claim_kind"] == "preauth" else "claim")
        assert money_of(claim.total) == rupees_of(row["requested_paise"])
        assert claim.item[0].net == claim.total
        assert claim.insurer.display == row["insurer"]
        assert claim.provider.identifier.value == f"{TENANT}/{row['branch_id']}"
    assert claims["C5"].use == "preauthorization"
    assert claims["CLM-N1"].item[0].encounter[0].identifier.value == "IP200"
    lines = produced["files"]["fhir_ndjson/Claim.ndjson"].decode().splitlines()
    assert sorted(Claim.model_validate_json(line).identifier[0].value for line in lines) == sorted(claims)


def test_fhir_claim_responses_adjudicate_deduct_and_pay_by_utr(produced) -> None:
    lines = produced["files"]["fhir_ndjson/ClaimResponse.ndjson"].decode().splitlines()
    responses = {r.request.identifier.value: r for r in map(ClaimResponse.model_validate_json, lines)}
    # C6 has a query open (queued); every other claim with a lifecycle event was answered
    assert {c: r.outcome for c, r in responses.items()} == {
        "C1": "partial", "C2": "complete", "C3": "complete", "C5": "complete", "C6": "queued",
        "C7": "complete", "CLM-N1": "partial",
    }  # fmt: skip
    c1 = responses["C1"]
    assert c1.request.reference == "Claim/claim-t-claims-C1"
    adjudication = [(a.category.coding[0].code, a.reason and a.reason.text, money_of(a.amount))
                    for a in c1.item[0].adjudication]  # fmt: skip
    assert adjudication == [
        ("submitted", None, Decimal("100000.00")), ("benefit", None, Decimal("90000.00")),
        ("deductible", "non-medical items", Decimal("6000.00")), ("deductible", "room rent cap", Decimal("4000.00")),
    ]  # fmt: skip
    assert [a.reason.coding[0].code for a in c1.item[0].adjudication[2:]] == ["NME", "ROOM"]
    row = produced["claims"]["C1"]
    assert money_of(c1.payment.amount) == rupees_of(row["paid_paise"]) == Decimal("81000.00")
    assert money_of(c1.payment.adjustment) == -rupees_of(row["tds_paise"])
    assert (c1.payment.identifier.system, c1.payment.identifier.value) == (UTR_SYSTEM, C1_UTR)
    assert str(c1.payment.date) == "2026-10-08"
    n1 = responses["CLM-N1"]
    assert [a.reason.coding[0].code for a in n1.item[0].adjudication if a.reason] == ["NME", "ROOM"]
    assert n1.payment.identifier.value == N1_UTR and money_of(n1.payment.amount) == Decimal("138600.00")
    c3 = responses["C3"]  # paid 30,000 + 4,000 TDS against 40,000 approved: a partial payment
    assert c3.payment.type.coding[0].code == "partial"
    assert (
        responses["C7"].payment is None
        and responses["C6"].item[0].adjudication[0].category.coding[0].code == "submitted"
    )


def test_the_claims_feed_reads_the_exported_responses_back_as_the_decisions(produced) -> None:
    """Each exported ClaimResponse, delivered as an NHCX ClaimResponseBundle, reads back through the claims
    feed's own reader as the claim's latest decision with its amounts and deduction lines."""
    lines = produced["files"]["fhir_ndjson/ClaimResponse.ndjson"].decode().splitlines()
    for n, line in enumerate(lines):
        response = json.loads(line)
        claim_id = response["request"]["identifier"]["value"]
        payload = bundle(response, "ClaimResponseBundle", f"b-{n}")
        (row,) = message_rows(message(f"corr-{n}", f"call-{n}", payload, sender=INSURER), LoadContext(TENANT))
        events = [e for e in produced["events"] if e["claim_id"] == claim_id]
        if response["outcome"] == "queued":
            assert row["event_type"] == "query_raised", claim_id
            continue
        decision = next(e for e in reversed(events) if e["event_type"] in ("approved_full", "approved_partial",
                                                                            "denied", "preauth_approved",
                                                                            "preauth_enhanced"))  # fmt: skip
        expected = (
            "preauth_approved" if decision["event_type"] == "preauth_enhanced" else decision["event_type"]
        )
        assert row["event_type"] == expected, claim_id
        claim = produced["claims"][claim_id]
        assert row["claim_id"] == claim_id and row["requested_paise"] == claim["requested_paise"]
        approved = (
            claim["preauth_approved_paise"] if claim["claim_kind"] == "preauth" else claim["approved_paise"]
        )
        assert row["approved_paise"] == approved, claim_id
        stated = [(d["code"], d["reason"], d["amount_paise"]) for d in json.loads(row["deductions"])]
        assert stated == [
            (d["code"], d["reason"], d["amount_paise"]) for d in json.loads(decision["deductions"])
        ]
    assert "NME" in produced["files"]["fhir_ndjson/ClaimResponse.ndjson"].decode()


def test_claim_documents_need_a_full_bundle(built: Warehouse, tmp_path: Path) -> None:
    for formats in (["pdf"], ["fhir_bundle"]):
        spec = BundleSpec.model_validate({**SPEC.model_dump(), "phi_level": "minimised", "formats": formats,
                                          "delivery": None})  # fmt: skip
        with pytest.raises(FormatUnavailable, match="print claim and visit numbers, so a minimised bundle"):
            produce_bundle(built, spec, OCTOBER, tmp_path, secrets=SECRETS, generated_at=AT)


def test_the_same_data_and_export_give_the_same_dossiers(built: Warehouse, produced, tmp_path: Path) -> None:
    again = produce_bundle(built, SPEC, OCTOBER, tmp_path, secrets=SECRETS, generated_at=AT)
    with zipfile.ZipFile(again.path) as archive:
        pdfs = {n: archive.read(n) for n in archive.namelist() if n.endswith(".pdf")}
    assert pdfs == {n: d for n, d in produced["files"].items() if n.endswith(".pdf")}
