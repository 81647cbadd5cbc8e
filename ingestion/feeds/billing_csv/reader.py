"""Bill CSV exports, read through each layout's YAML column mapping (mapping.py, docs/billing.md).

Which mapping: the folder. `billing/csv/<his>/*.csv` is read with `billing/csv/<his>/mapping.yaml`, else the
built-in `mappings/<his>.yaml`; a file with neither is rejected with a reason saying where the mapping goes
(ingestion/csv_mapping.py, as for ADT CSV). Each row is one charge line: loaded, or quarantined with a
reason naming the column, the value and what was expected. The natural key is (tenant, sender, message id,
line number), so re-loading a file, or a later export repeating rows, adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from core.time import IST
from ingestion.adt_values import utc
from ingestion.charge_line import charge_row, extended_paise, quantity
from ingestion.csv_mapping import mapped_records
from ingestion.csv_mapping import mapping_for as csv_mapping_for
from ingestion.feeds.base import LoadContext
from ingestion.feeds.billing_csv.mapping import (
    AMOUNT_COLUMNS,
    TIME_COLUMNS,
    BillCsvMapping,
    built_in_mappings,
    load_mapping,
)
from ingestion.feeds.billing_csv.spec import SPEC
from ingestion.parsers import paise, rupees_to_paise, whole_number
from ingestion.records import Frame, Record, RowError
from ingestion.spec import TableSpec

BUILT_IN: dict[str, BillCsvMapping] = built_in_mappings()


def mapping_for(path: Path) -> BillCsvMapping:
    """The layout a file is in, by its folder (see the module docstring)."""
    return csv_mapping_for(path, SPEC.folder, BUILT_IN, load_mapping, "bill CSV", "docs/billing.md")


def label(mapping: BillCsvMapping, name: str) -> str:
    """How the field parsers (which say "column <label>") name a mapped column: its header and the column."""
    source = mapping.columns[name]
    return f"{source.column} ({name})" if source.const is None else f"{name} (a constant)"


def parse_row(cells: dict[str, str], mapping: BillCsvMapping, tenant_id: str, raw: str) -> dict[str, Any]:
    """One CSV row as a charge line row; raises RowError naming the column and what was expected."""
    values: dict[str, Any] = {}
    for name in mapping.columns:
        if name in TIME_COLUMNS:
            moment = mapping.time(name, cells)
            values[name] = utc(name, moment, mapping.tz or IST) if moment is not None else None
        elif name in AMOUNT_COLUMNS:
            text = mapping.value(name, cells)
            where = label(mapping, name)
            if not text:
                values[name] = None
            elif mapping.amounts == "paise":
                values[name] = paise(where, text, non_negative=False)
            else:
                values[name] = rupees_to_paise(where, text)
        elif name == "quantity":
            values[name] = quantity(mapping.where(name), mapping.value(name, cells))
        elif name == "line_number":
            values[name] = whole_number(label(mapping, name), mapping.value(name, cells))
        else:
            values[name] = mapping.value(name, cells)
    for required in ("message_id", "visit_number", "bill_number", "service_code", "transaction_time"):
        if values.get(required) in ("", None):
            raise RowError(f"{mapping.where(required)} is empty but required")
    values.setdefault("quantity", Decimal(1))
    values["bill_kind"] = values.get("bill_kind") or "interim"
    values["transaction_type"] = values.get("transaction_type") or "CG"
    if values.get("amount_paise") is None:
        unit = values.get("unit_amount_paise")
        if unit is None:
            raise RowError("the row has no amount: amount_paise and unit_amount_paise are both empty")
        values["amount_paise"] = extended_paise(unit, values["quantity"], "unit amount times quantity")
    if values.get("message_time") is None:
        values["message_time"] = values["transaction_time"]
    ids = mapping.patient_ids(cells)
    if not ids:
        columns = ", ".join(repr(i.column) for i in mapping.identifiers) or "(the mapping names none)"
        raise RowError(f"the row has no patient identifier; expected one of the columns {columns}")
    return charge_row(
        **values, tenant_id=tenant_id, sender=mapping.sender or mapping.name, patient_ids=ids, raw=raw
    )


class BillCsvReader:
    kind: Literal["python"] = "python"

    def unit(self, path: Path) -> str:
        return "lines"

    def records(self, path: Path, table: TableSpec, context: LoadContext) -> Iterator[Record | Frame]:
        def parse(cells: dict[str, str], mapping: BillCsvMapping, raw: str) -> dict[str, Any]:
            return parse_row(cells, mapping, context.tenant_id, raw)

        yield from mapped_records(path, mapping_for(path), parse)
