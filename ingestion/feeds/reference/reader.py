"""Reference data of the chain: branches, doctors (with fee schedule), the payment-gateway contract and the
mapping tables of HIS codes."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from booking.domain.messaging import CHANNELS
from core.vocabulary import PAYMENT_METHODS as METHODS
from ingestion import parsers as p
from ingestion.claim_documents import document_kind
from ingestion.claim_event import CLAIM_KINDS
from ingestion.csv_source import csv_records
from ingestion.feeds.base import LoadContext
from ingestion.feeds.reference.spec import BRANCHES as REFERENCE_BRANCHES
from ingestion.feeds.reference.spec import (
    CLAIM_DOCUMENT_REQUIREMENTS,
    CLAIM_SLAS,
    MAPPING_TABLES,
    MESSAGE_RATES,
    PATIENT_IDENTITY,
    SERVICES,
    TARGETS,
    VARIANCE_METRICS,
)
from ingestion.feeds.reference.spec import DOCTORS as REFERENCE_DOCTORS
from ingestion.feeds.reference.spec import GATEWAY_CONTRACTS as REFERENCE_GATEWAY_CONTRACTS
from ingestion.records import FileRejected, Record, RowError
from ingestion.spec import TableSpec as RawTable


def _strings(table: RawTable, f: dict[str, str], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every String column of `table`, required non-empty but for those in `optional`."""
    return {
        c: p.text(c, f[c], required=c not in optional)
        for c, t in ((c.name, c.type) for c in table.data_columns)
        if t == "String"
    }


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


def _service(f: dict[str, str]) -> dict[str, Any]:
    values = _strings(SERVICES, f)
    values["fee_paise"] = p.paise("fee_paise", f["fee_paise"])
    return values


RATE_UNITS = {"whatsapp": "message", "sms": "segment", "email": "message"}


def _message_rate(f: dict[str, str]) -> dict[str, Any]:
    values = _strings(MESSAGE_RATES, f, optional=("pricing_category",))
    for column in ("channel", "provider", "pricing_category", "unit"):
        values[column] = values[column].lower()
    channel = values["channel"]
    if channel not in CHANNELS:
        raise RowError(f"column 'channel' has {p.show(f['channel'])}; expected one of {', '.join(CHANNELS)}")
    if values["unit"] != RATE_UNITS[channel]:
        raise RowError(
            f"column 'unit' has {p.show(f['unit'])}; {channel} is priced per {RATE_UNITS[channel]}"
        )
    if (channel == "whatsapp") != bool(values["pricing_category"]):
        raise RowError(
            "column 'pricing_category' is required for whatsapp rates and must be empty for others"
        )
    values["rate_paise"] = p.paise("rate_paise", f["rate_paise"])
    values["valid_from"] = p.iso_date("valid_from", f["valid_from"])
    return values


def _claim_sla(f: dict[str, str]) -> dict[str, Any]:
    values = _strings(CLAIM_SLAS, f, optional=("insurer", "tpa"))
    for column in ("decision_sla_hours", "settlement_sla_hours"):
        values[column] = p.whole_number(column, f[column])
        if values[column] <= 0:
            raise RowError(
                f"column {column!r} is {values[column]}; a service level is a positive number of hours"
            )
    return values


def _claim_document_requirement(f: dict[str, str]) -> dict[str, Any]:
    values = _strings(CLAIM_DOCUMENT_REQUIREMENTS, f, optional=("insurer",))
    values["claim_kind"] = values["claim_kind"].lower()
    if values["claim_kind"] not in CLAIM_KINDS:
        raise RowError(f"column 'claim_kind' has {p.show(f['claim_kind'])}; expected preauth or claim")
    values["document_kind"] = document_kind(f["document_kind"], "column 'document_kind'")
    values["required"] = p.flag("required", f["required"])
    return values


def _target(f: dict[str, str]) -> dict[str, Any]:
    values = _strings(TARGETS, f)
    if values["metric"] not in VARIANCE_METRICS:
        raise RowError(
            f"column 'metric' has {p.show(f['metric'])}; expected one of {', '.join(VARIANCE_METRICS)}"
        )
    if re.fullmatch(r"\d{4}-\d{2}", f["month"].strip()) is None:
        raise RowError(f"column 'month' has {p.show(f['month'])}, not a month as YYYY-MM")
    values["month"] = p.iso_date("month", f["month"].strip() + "-01")
    try:
        values["target"] = float(Decimal(f["target"].strip()))
    except InvalidOperation:
        raise RowError(f"column 'target' has {p.show(f['target'])}, not a number") from None
    if not math.isfinite(values["target"]):
        raise RowError(f"column 'target' has {p.show(f['target'])}, not a number")
    return values


def _mapping(table: RawTable) -> Callable[[dict[str, str]], dict[str, Any]]:
    # an ABHA number is not known for every patient; every other mapping column is required
    optional = ("abha_number",) if table is PATIENT_IDENTITY else ()
    return lambda f: _strings(table, f, optional)


PARSERS: dict[str, Callable[[dict[str, str]], dict[str, Any]]] = {
    REFERENCE_BRANCHES.name: lambda f: _strings(REFERENCE_BRANCHES, f),
    REFERENCE_DOCTORS.name: _doctor,
    REFERENCE_GATEWAY_CONTRACTS.name: _contract,
    **{t.name: _mapping(t) for t in MAPPING_TABLES if t is not SERVICES},
    SERVICES.name: _service,
    MESSAGE_RATES.name: _message_rate,
    CLAIM_SLAS.name: _claim_sla,
    CLAIM_DOCUMENT_REQUIREMENTS.name: _claim_document_requirement,
    TARGETS.name: _target,
}


class ReferenceReader:
    kind = "python"

    def unit(self, path: Path) -> str:
        return "lines"

    def records(self, path: Path, table: RawTable, context: LoadContext) -> Iterator[Record]:
        parse = PARSERS[table.name]

        def parse_row(fields: dict[str, str]) -> dict[str, Any]:
            values = parse(fields)
            if values["tenant_id"] != context.tenant_id:
                raise RowError(
                    f"row names tenant {p.show(values['tenant_id'])}, but this data directory belongs to "
                    f"tenant {context.tenant_id} (named by most rows of reference/branches.csv)"
                )
            return values

        yield from csv_records(path, table.column_names, parse_row)


def tenant_of(data_dir: Path) -> str:
    """The tenant a data directory belongs to: the one most rows of reference/branches.csv name.

    A stray row (another tenant's, a repeated header) doesn't stop the loads: the reader quarantines it."""
    branches = data_dir / "reference" / "branches.csv"
    if not branches.exists():
        raise FileNotFoundError(f"{branches} is missing: a data directory names its tenant in branches.csv")
    try:
        rows = csv_records(
            branches, REFERENCE_BRANCHES.column_names, lambda f: _strings(REFERENCE_BRANCHES, f)
        )
        tenants = Counter(r.values["tenant_id"] for r in rows if r.values)
    except FileRejected as exc:
        raise ValueError(f"{branches} can't be read: {exc}") from None
    if not tenants:
        raise ValueError(f"{branches} names no tenant: add the chain's branches, one per row")
    return tenants.most_common(1)[0][0]
