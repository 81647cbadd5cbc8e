"""Reference CSVs: branches, doctors and the gateway contract."""

from __future__ import annotations

import csv
from pathlib import Path

from ingestion.feeds.reference.spec import SPEC as REFERENCE_SPEC

from .model import GATEWAY, GST_BPS, MDR_BPS, METHODS, REFUND_SLA_DAYS, SETTLEMENT_DAYS, Chain

BRANCHES_HEADER = REFERENCE_SPEC.header("reference_branches")  # the headers come from the feed spec
DOCTORS_HEADER = REFERENCE_SPEC.header("reference_doctors")
CONTRACT_HEADER = REFERENCE_SPEC.header("reference_gateway_contracts")

BRANCHES_FILE = "branches.csv"
DOCTORS_FILE = "doctors.csv"
CONTRACT_FILE = "gateway_contract.csv"


def _write(path: Path, header: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_reference(directory: Path, chain: Chain) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    tenant = chain.tenant_id
    paths = [directory / BRANCHES_FILE, directory / DOCTORS_FILE, directory / CONTRACT_FILE]
    _write(
        paths[0],
        BRANCHES_HEADER,
        [(tenant, b.branch_id, b.name, b.city, b.state) for b in chain.branches],
    )
    _write(
        paths[1],
        DOCTORS_HEADER,
        [
            (tenant, d.doctor_id, d.branch_id, d.name, d.specialty, d.fee_paise)
            for branch_doctors in chain.doctors
            for d in branch_doctors
        ],
    )
    _write(
        paths[2],
        CONTRACT_HEADER,
        [(tenant, GATEWAY, m, MDR_BPS[m], GST_BPS, SETTLEMENT_DAYS, REFUND_SLA_DAYS) for m in METHODS],
    )
    return paths
