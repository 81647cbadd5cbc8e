"""Reference data of the chain: branches, doctors (with fee schedule) and the payment-gateway contract."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ingestion import parsers as p
from ingestion.csv_source import csv_records
from ingestion.feeds.base import Feed, LoadContext
from ingestion.records import Record, RowError
from ingestion.tables import (
    REFERENCE_BRANCHES,
    REFERENCE_DOCTORS,
    REFERENCE_GATEWAY_CONTRACTS,
    RawTable,
)

METHODS = ("upi", "card", "wallet", "netbanking")


def _strings(table: RawTable, f: dict[str, str]) -> dict[str, Any]:
    """Every String column of `table`, required non-empty."""
    return {c: p.text(c, f[c], required=True) for c, t in table.columns if t == "String"}


def _doctor(f: dict[str, str]) -> dict[str, Any]:
    values = _strings(REFERENCE_DOCTORS, f)
    values["consultation_fee_paise"] = p.paise("consultation_fee_paise", f["consultation_fee_paise"])
    return values


def _contract(f: dict[str, str]) -> dict[str, Any]:
    values = _strings(REFERENCE_GATEWAY_CONTRACTS, f)
    values["method"] = values["method"].lower()
    if values["method"] not in METHODS:
        raise RowError(f"column 'method' has {p.show(f['method'])}; expected one of {', '.join(METHODS)}")
    for column in ("mdr_bps", "gst_bps", "settlement_days", "refund_sla_days"):
        values[column] = p.whole_number(column, f[column])
        if values[column] < 0:
            raise RowError(f"column {column!r} is negative")
    if values["mdr_bps"] > 1000:
        raise RowError(f"column 'mdr_bps' is {values['mdr_bps']} (over 10%); MDR is in basis points")
    return values


PARSERS: dict[str, tuple[RawTable, Callable[[dict[str, str]], dict[str, Any]]]] = {
    "branches": (REFERENCE_BRANCHES, lambda f: _strings(REFERENCE_BRANCHES, f)),
    "doctors": (REFERENCE_DOCTORS, _doctor),
    "gateway_contract": (REFERENCE_GATEWAY_CONTRACTS, _contract),
}


class ReferenceDataFeed(Feed):
    name = "reference"
    table = REFERENCE_BRANCHES
    folder = "reference"
    patterns = tuple(f"{stem}.csv" for stem in PARSERS)

    def table_for(self, path: Path) -> RawTable:
        return PARSERS[path.stem][0] if path.stem in PARSERS else self.table

    def read(self, path: Path, context: LoadContext) -> Iterator[Record]:
        table, parse = PARSERS[path.stem]
        yield from csv_records(path, table.column_names, parse)


def tenant_of(data_dir: Path) -> str:
    """The one tenant a data directory belongs to, read from reference/branches.csv."""
    branches = data_dir / "reference" / "branches.csv"
    if not branches.exists():
        raise FileNotFoundError(f"{branches} is missing: a data directory names its tenant in branches.csv")
    tenants = {
        r.values["tenant_id"]
        for r in csv_records(
            branches, REFERENCE_BRANCHES.column_names, lambda f: _strings(REFERENCE_BRANCHES, f)
        )
        if r.values
    }
    if len(tenants) != 1:
        raise ValueError(
            f"{branches} names {len(tenants)} tenants ({', '.join(sorted(tenants))}); expected one"
        )
    return tenants.pop()
