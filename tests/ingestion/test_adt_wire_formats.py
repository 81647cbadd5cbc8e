"""Issue 11's promise: one hospital scenario sent as HL7 v2, as a HIS CSV export and as FHIR R4 resources loads
as the same ADT event rows (but for the wire-specific raw, message_id, sender and hl7_version)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.adt_csv import FEED as CSV_FEED
from ingestion.feeds.adt_fhir import FEED as FHIR_FEED
from ingestion.feeds.adt_hl7 import FEED as HL7_FEED
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables
from tests.support.adt_scenario import expected_rows, hl7_text, loaded_rows, write_csv, write_fhir, write_hl7

TENANT = "tnt_adt_wire"


def test_hl7_csv_and_fhir_give_the_same_adt_events(warehouse: Warehouse, tmp_path: Path) -> None:
    create_raw_tables(warehouse)
    written = (
        (HL7_FEED, write_hl7(tmp_path)),
        (CSV_FEED, write_csv(tmp_path)),
        (FHIR_FEED, write_fhir(tmp_path)),
    )
    for feed, path in written:
        result = load_file(warehouse, feed, path, LoadContext(TENANT), source=path.name)
        assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (5, 0), result.note
    from_hl7 = loaded_rows(warehouse, "adt_hl7_events", TENANT)
    from_csv = loaded_rows(warehouse, "adt_csv_events", TENANT)
    from_fhir = loaded_rows(warehouse, "adt_fhir_events", TENANT)
    assert from_hl7 == from_csv == from_fhir
    assert from_csv == expected_rows(TENANT)
    kinds = [(r["visit_number"], r["event_type"]) for r in from_csv]
    assert kinds == [
        ("IP-2026-0007", "A01"),
        ("IP-2026-0007", "A02"),
        ("IP-2026-0007", "A03"),
        ("OP-2026-0001", "A04"),
        ("OP-2026-0001", "A03"),
    ]


def test_the_hl7_rendering_puts_each_value_in_its_field() -> None:
    """The scenario's HL7 messages, split by hand (no HL7 reader involved): the fields the adt_hl7 reader
    will extract carry the scenario's values, so the lead's HL7 comparison tests the reader, not the writer."""
    messages = [m for m in hl7_text().split("\n") if m]
    expected = expected_rows(TENANT)
    by_key = {(r["visit_number"], r["event_type"], r["event_time"]): r for r in expected}
    assert len(messages) == len(expected)
    for message in messages:
        segments = {s.split("|", 1)[0]: s.split("|") for s in message.split("\r") if s}
        msh, evn, pid, pv1 = segments["MSH"], segments["EVN"], segments["PID"], segments["PV1"]
        # MSH's first field is the separator itself, so MSH-n is msh[n - 1]; other segments' n is [n].
        code = msh[8].split("^")[1]
        assert msh[11] == "2.5" and evn[1] == code
        row = by_key[(pv1[19], code, _hl7_time(evn[6]))]
        assert _hl7_time(msh[6]) == row["message_time"]
        assert (
            pv1[2] == row["patient_class"] and pv1[3] == row["location"] and pv1[6] == row["prior_location"]
        )
        assert pv1[7] == row["attending_doctor"] and pv1[10] == row["department"]
        assert pv1[36] == row["discharge_disposition"]
        assert _hl7_time(pv1[44]) == row["admit_time"] and _hl7_time(pv1[45]) == row["discharge_time"]
        ids = [dict(zip(("id", "authority", "type"), (c[0], c[3], c[4]), strict=True)) for c in
               (r.split("^") for r in pid[3].split("~"))]  # fmt: skip
        assert ids == row["patient_ids"]
        assert pid[5] == row["patient_name"] and pid[8] == row["sex"]


def _hl7_time(text: str) -> datetime | None:
    return datetime.strptime(text, "%Y%m%d%H%M%z").astimezone(UTC).replace(tzinfo=None) if text else None
