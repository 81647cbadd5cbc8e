"""ADT CSV exports, read through each layout's YAML column mapping (mapping.py, docs/adt.md).

Which mapping: the folder. `adt/csv/<his>/*.csv` is read with `adt/csv/<his>/mapping.yaml`, else the
built-in `mappings/<his>.yaml`; a file with neither (or directly in adt/csv/) is rejected with a reason
saying where the mapping goes, and a bad mapping rejects the files of its folder with one line naming the
key. The header must carry every column the mapping names (matched by name, case ignored; other columns
are kept in `raw` only). Each row is one ADT event: loaded, or quarantined with a reason naming the column,
the value and what was expected. The natural key is (tenant, sender, the mapping's message id column), so
re-loading a file, or a later export repeating rows, adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import tzinfo
from pathlib import Path
from typing import Any, Literal

from ingestion.adt_senders import sender_zones
from ingestion.adt_values import day, event_row, utc
from ingestion.csv_mapping import mapped_records
from ingestion.csv_mapping import mapping_for as csv_mapping_for
from ingestion.feeds.adt_csv.mapping import (
    DATE_COLUMNS,
    TIME_COLUMNS,
    AdtCsvMapping,
    built_in_mappings,
    load_mapping,
)
from ingestion.feeds.adt_csv.spec import SPEC
from ingestion.feeds.base import LoadContext
from ingestion.records import Frame, Record, RowError
from ingestion.spec import TableSpec

BUILT_IN: dict[str, AdtCsvMapping] = built_in_mappings()


def mapping_for(path: Path) -> AdtCsvMapping:
    """The layout a file is in, by its folder (see the module docstring)."""
    return csv_mapping_for(path, SPEC.folder, BUILT_IN, load_mapping, "ADT CSV", "docs/adt.md")


# Events about the patient, not a visit (HL7 A28 add person, A31 update person, A40 merge): no visit number.
PATIENT_EVENTS = frozenset({"A28", "A31", "A40"})


def parse_row(
    cells: dict[str, str], mapping: AdtCsvMapping, tenant_id: str, raw: str, zone: tzinfo
) -> dict[str, Any]:
    """One CSV row as an ADT event row (a time without an offset read in `zone`); raises RowError naming
    the column and what was expected."""
    values: dict[str, Any] = {}
    for name in mapping.columns:
        if name in TIME_COLUMNS:
            moment = mapping.time(name, cells)
            values[name] = utc(name, moment, zone) if moment is not None else None
        elif name in DATE_COLUMNS:
            born = mapping.date(name, cells)
            values[name] = day(name, born) if born is not None else None
        else:
            values[name] = mapping.value(name, cells)
    for required in ("message_id", "event_type", "visit_number"):
        if required == "visit_number" and values["event_type"] in PATIENT_EVENTS:
            continue  # a person add/update or merge is about the patient, not a visit
        if not values[required]:
            source = mapping.columns[required]
            raise RowError(f"column {source.column!r} ({required}) is empty but required")
    if values.get("message_time") is None:
        values["message_time"] = values.get("event_time")
    if values["message_time"] is None:
        raise RowError("the row has no message_time nor event_time; one of them is required")
    ids = mapping.patient_ids(cells)
    if not ids:
        columns = ", ".join(repr(i.column) for i in mapping.identifiers) or "(the mapping names none)"
        raise RowError(f"the row has no patient identifier; expected one of the columns {columns}")
    return event_row(
        **values,
        tenant_id=tenant_id,
        sender=mapping.sender or mapping.name,
        patient_ids=ids,
        raw=raw,
    )


class AdtCsvReader:
    kind: Literal["python"] = "python"

    def unit(self, path: Path) -> str:
        return "lines"

    def records(self, path: Path, table: TableSpec, context: LoadContext) -> Iterator[Record | Frame]:
        mapping = mapping_for(path)
        zone = mapping.tz or sender_zones(path).zone(mapping.sender or mapping.name)

        def parse(cells: dict[str, str], mapping: AdtCsvMapping, raw: str) -> dict[str, Any]:
            return parse_row(cells, mapping, context.tenant_id, raw, zone)

        yield from mapped_records(path, mapping, parse)
