"""The format registry: a format name -> a writer that writes a bundle's datasets into a folder and returns
the files it wrote. csv and xlsx use the finance export's own writers (`CsvTable`,
`ReconciliationWorkbook`), so a `full` bundle's CSV has the finance CSV's columns and text.

`pdf` writes the branch statements and settlement advices of exports/pdf, or for claim datasets the claim
dossiers (full bundles only); the FHIR formats write Claim and ClaimResponse for claim datasets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core.atomic_files import AtomicFiles
from core.warehouse import Warehouse
from exports.claim_records import CLAIM_MARTS, claim_keys
from exports.csv_table import CsvTable
from exports.framework.dataset import Table
from exports.framework.fhir_resources import RESOURCE_TYPES, collection_bundle, fhir_json, resources_of
from exports.framework.period import Period
from exports.framework.spec import BundleSpec
from exports.mart_reader import RECONCILIATION_TABLE
from exports.reconciliation_workbook import ReconciliationWorkbook

CLAIM_DOCUMENT_FORMATS = ("pdf", "fhir_bundle", "fhir_ndjson")


class FormatUnavailable(ValueError):
    """A format that is named but cannot be written (yet, or for this dataset); one line."""


@dataclass(frozen=True)
class WriteJob:
    """What a writer gets: the datasets as the recipient may see them, and where and for what to write."""

    warehouse: Warehouse
    out_dir: Path
    tables: list[Table]
    period: Period
    branches: tuple[str, ...] | None
    bundle: str
    export_id: str
    generated_at: datetime
    phi_level: str = "full"


Writer = Callable[[WriteJob], list[Path]]


def write_csv(job: WriteJob) -> list[Path]:
    paths = []
    for table in job.tables:
        path = job.out_dir / "csv" / f"{table.mart}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with CsvTable(path, table.names) as csv_table:
            csv_table.write_rows(table.rows)
        paths.append(path)
    return paths


def write_xlsx(job: WriteJob) -> list[Path]:
    paths = []
    for table in job.tables:
        if table.mart != RECONCILIATION_TABLE:
            raise FormatUnavailable(f"xlsx is written for {RECONCILIATION_TABLE} only, not {table.mart}")
        path = job.out_dir / "xlsx" / f"{table.mart}.xlsx"
        with AtomicFiles() as files:
            temp, scratch = files.temp_for(path), files.scratch(path, note="xlsxwriter.")
            workbook = ReconciliationWorkbook(table.columns, work_dir=path.parent)
            try:
                workbook.add_rows(table.rows)
                workbook.save(temp, scratch=scratch, as_of=job.period.end, source=table.display_name)
            except BaseException:
                workbook.discard()
                raise
        paths.append(path)
    return paths


def claim_tables(job: WriteJob) -> list[Table]:
    """The datasets that name claims (fct_claims, fct_claim_events, fct_claim_settlement_recon)."""
    return [t for t in job.tables if t.mart in CLAIM_MARTS]


def marts_read(spec: BundleSpec) -> list[str]:
    """Every mart a bundle reads: its datasets' and, when a claim dataset meets a document format (pdf,
    FHIR), every claim mart, which the claim documents are read from (exports.claim_records)."""
    marts = {d.mart for d in spec.datasets}
    if marts & set(CLAIM_MARTS) and set(spec.formats) & set(CLAIM_DOCUMENT_FORMATS):
        marts |= set(CLAIM_MARTS)
    return sorted(marts)


def claim_keys_of(job: WriteJob, what: str) -> list[tuple[str, str]]:
    """The claims the bundle's claim datasets name. Their documents print claim and visit numbers, so
    only a `full` bundle may carry them."""
    if job.phi_level != "full":
        raise FormatUnavailable(
            f"{what} of claims print claim and visit numbers, so a {job.phi_level} bundle can't carry them: "
            "drop the format, or make the bundle full"
        )
    return claim_keys([r for t in claim_tables(job) for r in t.records()])


def fhir_resources(job: WriteJob) -> dict[str, list[dict]]:
    """Resources by type, in writing order: PaymentReconciliation and PaymentNotice from the payment
    reconciliation, Claim and ClaimResponse from the claim marts (exports.framework.fhir_claims)."""
    from exports.framework.fhir_claims import claim_resources

    payments = [t for t in job.tables if t.mart == RECONCILIATION_TABLE]
    claims = claim_tables(job)
    if not payments and not claims:
        raise FormatUnavailable(
            f"FHIR resources are built from {RECONCILIATION_TABLE} or a claim mart; the bundle has neither"
        )
    merged: dict[str, list[dict]] = {}
    if payments:
        merged |= {kind: [] for kind in RESOURCE_TYPES}
        for table in payments:
            for kind, resources in resources_of(table).items():
                merged[kind].extend(resources)
    if claims:
        merged |= claim_resources(job.warehouse, claim_keys_of(job, "FHIR Claim and ClaimResponse"))
    return merged


def write_fhir_bundle(job: WriteJob) -> list[Path]:
    resources = fhir_resources(job)
    bundle = collection_bundle(job.export_id, [r for kind in resources for r in resources[kind]])
    path = job.out_dir / "fhir" / "bundle.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(fhir_json(bundle, indent=1) + "\n", encoding="utf-8")
    return [path]


def write_fhir_ndjson(job: WriteJob) -> list[Path]:
    """FHIR Bulk Data layout: one NDJSON file per resource type and a Bulk Data export manifest."""
    from exports.framework.fhir_resources import BASE

    resources = fhir_resources(job)
    folder = job.out_dir / "fhir_ndjson"
    folder.mkdir(parents=True, exist_ok=True)
    paths, output = [], []
    for kind in resources:
        path = folder / f"{kind}.ndjson"
        path.write_text("".join(fhir_json(r) + "\n" for r in resources[kind]), encoding="utf-8")
        paths.append(path)
        output.append({"type": kind, "url": path.name, "count": len(resources[kind])})
    manifest = {
        "transactionTime": job.generated_at.isoformat(timespec="seconds"),
        "request": f"{BASE}/$export?_type={','.join(resources)}&bundle={job.bundle}&period={job.period.label}",
        "requiresAccessToken": False,
        "output": output,
        "error": [],
    }
    manifest_path = folder / "manifest.json"
    manifest_path.write_text(fhir_json(manifest, indent=1) + "\n", encoding="utf-8")
    return [*paths, manifest_path]


def write_pdf(job: WriteJob) -> list[Path]:
    """A claim dataset gives the dossier of every claim its rows name; any other dataset the branch
    statements of the period's month and the advice of every settlement in the period's rows. They print
    claim, visit, payment, booking and settlement ids, so only a `full` bundle may carry them."""
    from exports.pdf.branch_statement import write_branch_statements
    from exports.pdf.claim_dossier import write_claim_dossiers
    from exports.pdf.settlement_advice import write_settlement_advices

    folder = job.out_dir / "pdf"
    paths: list[Path] = []
    claims = claim_tables(job)
    if claims:
        paths += write_claim_dossiers(
            job.warehouse, folder, claim_keys_of(job, "PDF dossiers"), export_id=job.export_id,
            generated_at=job.generated_at,
        )  # fmt: skip
    if len(claims) == len(job.tables):
        return paths
    if job.phi_level != "full":
        raise FormatUnavailable(
            f"format pdf prints booking and payment ids, so a {job.phi_level} bundle can't carry it: "
            "drop pdf from its formats, or make the bundle full"
        )
    paths += write_branch_statements(
        job.warehouse, folder, job.period.start.replace(day=1), branches=job.branches,
        export_id=job.export_id, generated_at=job.generated_at,
    )  # fmt: skip
    settlements = sorted(
        {
            str(r["settlement_id"])
            for t in job.tables
            if "settlement_id" in t.names
            for r in t.records()
            if r["settlement_id"]
        }
    )
    if settlements:
        paths += write_settlement_advices(
            job.warehouse, folder, settlement_ids=settlements, export_id=job.export_id,
            generated_at=job.generated_at,
        )  # fmt: skip
    return paths


FORMATS: dict[str, Writer] = {
    "csv": write_csv,
    "xlsx": write_xlsx,
    "fhir_bundle": write_fhir_bundle,
    "fhir_ndjson": write_fhir_ndjson,
    "pdf": write_pdf,
}
