"""ADT CSV exports through a YAML column mapping: codes, flags, identifiers, IST times; bad rows and bad
mappings quarantined with reasons; re-loading adds nothing."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.adt_csv import FEED
from ingestion.feeds.adt_csv.reader import BUILT_IN
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables

TENANT = "tnt_adt_csv"
# A chain's own export: other header texts, Action flag + patient class decide A01 vs A04, ISO times with
# and without an offset, a constant department.
MAPPING = """
his: Kaveri HIS nightly ADT dump
zone: Asia/Kolkata
time_formats: ["%Y-%m-%d %H:%M", iso8601]
date_formats: ["%d-%m-%Y"]
columns:
  message_id: Row Id
  event_time: When
  event_type: {column: Flag, codes: {A: {I: A01, O: A04, E: A04}, T: A02, D: A03, X: A11}}
  patient_class: {column: Type, codes: {IP: I, OP: O, EM: E, 1: I, 2: O}}
  visit_number: Encounter
  patient_name: Name
  birth_date: Born
  sex: Sex
  location: Bed
  department: {const: CARD}
  admit_time: Admitted
identifiers:
  - {column: UHID, type: MR, authority: KAVERI}
  - {column: ABHA, type: ABHA, authority: "https://healthid.ndhm.gov.in"}
"""
HEADER = "Row Id,When,Flag,Type,Encounter,UHID,ABHA,Name,Born,Sex,Bed,Admitted,Remarks\n"
GOOD = [
    "R1,2026-10-02 14:00,A,IP,V100,U1,91-1234-5678-9012,Rao^Kiran,17-05-1980,M,W1,2026-10-02 14:00,first\n",
    "R2,2026-10-02T09:00:00Z,a,op,V101,U2,,Iyer^Meena,01-01-1990,F,OPD,,\n",
    "R3,2026-10-03 08:00,T,1,V100,U1,,Rao^Kiran,17-05-1980,M,ICU,2026-10-02 14:00,\n",
]
BAD = [
    (
        "R4,2026-10-03 09:00,Z,IP,V100,U1,,Rao^Kiran,17-05-1980,M,ICU,,\n",
        "column 'Flag' (event_type) has 'Z'",
    ),
    (
        "R5,03/10/2026 09:00,D,IP,V100,U1,,Rao^Kiran,17-05-1980,M,ICU,,\n",
        "column 'When' (event_time) has '03/10/2026 09:00', not a time",
    ),
    ("R6,2026-10-03 09:00,A,XX,V102,U3,,A^B,17-05-1980,M,W2,,\n", "column 'Type' (patient_class) has 'XX'"),
    (
        "R7,2026-10-03 09:00,D,IP,,U1,,Rao^Kiran,17-05-1980,M,ICU,,\n",
        "column 'Encounter' (visit_number) is empty",
    ),
    ("R8,2026-10-03 09:00,D,IP,V100,,,Rao^Kiran,17-05-1980,M,ICU,,\n", "no patient identifier"),
    (
        "R9,2026-10-03 09:00,D,IP,V100,U1,,Rao^Kiran,31-02-1980,M,ICU,,\n",
        "column 'Born' (birth_date) has '31-02-1980'",
    ),
    ('R10,2026-10-03 09:00,D,"IP,V100\n', "unterminated double quote"),
]


def _folder(tmp_path: Path, name: str = "kaveri", mapping: str | None = MAPPING) -> Path:
    folder = tmp_path / "adt" / "csv" / name
    folder.mkdir(parents=True)
    if mapping is not None:
        (folder / "mapping.yaml").write_text(mapping)
    return folder


def test_rows_load_through_the_mapping_and_bad_rows_are_quarantined(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    create_raw_tables(warehouse)
    path = _folder(tmp_path) / "adt_20261003.csv"
    path.write_text(HEADER + "".join(GOOD) + "".join(line for line, _ in BAD))
    result = load_file(warehouse, FEED, path, LoadContext(TENANT), source="kaveri/adt_20261003.csv")
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (3, len(BAD))
    rows = warehouse.rows(
        "select sender, message_id, event_type, event_time, message_time, patient_class, visit_number, mrn, "
        "abha_number, patient_name, birth_date, sex, location, department, admit_time, patient_ids, raw "
        f"from raw.adt_csv_events where tenant_id = '{TENANT}' order by _source_line"
    )
    admitted = datetime(2026, 10, 2, 8, 30)  # 14:00 IST, as UTC (the warehouse gives naive UTC)
    assert [r[:15] for r in rows] == [
        ("kaveri", "R1", "A01", admitted, admitted, "I", "V100", "U1", "91-1234-5678-9012", "Rao^Kiran",
         date(1980, 5, 17), "M", "W1", "CARD", admitted),
        ("kaveri", "R2", "A04", datetime(2026, 10, 2, 9, 0), datetime(2026, 10, 2, 9, 0),
         "O", "V101", "U2", "", "Iyer^Meena", date(1990, 1, 1), "F", "OPD", "CARD", None),
        ("kaveri", "R3", "A02", datetime(2026, 10, 3, 2, 30), datetime(2026, 10, 3, 2, 30),
         "I", "V100", "U1", "", "Rao^Kiran", date(1980, 5, 17), "M", "ICU", "CARD", admitted),
    ]  # fmt: skip
    assert json.loads(rows[0][15]) == [
        {"id": "U1", "authority": "KAVERI", "type": "MR"},
        {"id": "91-1234-5678-9012", "authority": "https://healthid.ndhm.gov.in", "type": "ABHA"},
    ]
    assert json.loads(rows[0][16])["Remarks"] == "first"  # the whole row, unmapped columns too
    reasons = dict(
        warehouse.rows(
            "select _source_line, reason from raw.quarantine where _source_file = 'kaveri/adt_20261003.csv'"
        )
    )
    first_bad = 2 + len(GOOD)
    for n, (_, why) in enumerate(BAD):
        assert why in reasons[first_bad + n], (n, reasons.get(first_bad + n))

    again = load_file(warehouse, FEED, path, LoadContext(TENANT), source="kaveri/adt_20261003.csv")
    assert again.rows_loaded == 0
    # A later export repeating a row under its id adds nothing either.
    later = path.with_name("adt_20261004.csv")
    later.write_text(HEADER + GOOD[2])
    repeat = load_file(warehouse, FEED, later, LoadContext(TENANT), source="kaveri/adt_20261004.csv")
    assert repeat.conserved and (repeat.rows_loaded, repeat.rows_quarantined) == (0, 0)
    count = warehouse.rows(f"select count() from raw.adt_csv_events where tenant_id = '{TENANT}'")[0][0]
    assert count == 3


@pytest.mark.parametrize(
    ("mapping", "why"),
    [
        (
            MAPPING.replace("zone: Asia/Kolkata", "zone: Mars/Olympus"),
            "zone: 'Mars/Olympus' is not a time zone",
        ),
        (MAPPING.replace("  visit_number: Encounter\n", ""), "columns.visit_number is missing"),
        (MAPPING.replace("T: A02", "T: A99"), "columns.event_type.codes.T: 'A99' is not an ADT event code"),
        (MAPPING.replace("IP: I,", "IP: Q,"), "columns.patient_class.codes.IP: 'Q' is not a patient class"),
        (MAPPING.replace("  location: Bed\n", "  ward: Bed\n"), "columns.ward is not an ADT event column"),
        (
            MAPPING.replace("  department: {const: CARD}\n", "  department: {const: CARD, column: Dept}\n"),
            "columns.department",
        ),
        (MAPPING.replace('"%Y-%m-%d %H:%M"', '"YYYY-MM-DD"'), "time_formats"),
        (MAPPING + "surprise: 1\n", "surprise: Extra inputs are not permitted"),
        ("columns: [1, 2\n", "can't be read"),
        (MAPPING.replace("X: A11", "NO: A11"), "columns.event_type.codes: a code YAML reads as true/false"),
    ],
)
def test_a_bad_mapping_rejects_the_files_of_its_folder_in_one_line(
    warehouse: Warehouse, tmp_path: Path, mapping: str, why: str
) -> None:
    create_raw_tables(warehouse)
    path = _folder(tmp_path, mapping=mapping) / "adt.csv"
    path.write_text(HEADER + GOOD[0])
    result = load_file(warehouse, FEED, path, LoadContext(TENANT), source=str(path))
    assert result.status == "rejected" and result.rows_loaded == 0 and result.conserved
    assert "\n" not in result.note and why in result.note, result.note
    assert "mapping.yaml of 'kaveri'" in result.note


def test_a_file_without_a_mapping_or_lacking_a_mapped_column_is_rejected(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    create_raw_tables(warehouse)
    loose = tmp_path / "adt" / "csv" / "loose.csv"
    loose.parent.mkdir(parents=True)
    loose.write_text(HEADER + GOOD[0])
    result = load_file(warehouse, FEED, loose, LoadContext(TENANT), source=str(loose))
    assert result.status == "rejected" and "adt/csv/<his>/ beside that export's mapping.yaml" in result.note
    short = _folder(tmp_path) / "short.csv"
    short.write_text(HEADER.replace(",Bed,", ",Cot,") + GOOD[0])
    result = load_file(warehouse, FEED, short, LoadContext(TENANT), source=str(short))
    assert result.status == "rejected" and "header lacks column(s) bed" in result.note


def test_the_example_mapping_is_built_in_and_reads_its_folder(warehouse: Warehouse, tmp_path: Path) -> None:
    from tests.support.adt_scenario import csv_text

    assert "example_his" in BUILT_IN
    create_raw_tables(warehouse)
    path = _folder(tmp_path, "example_his", mapping=None) / "export.csv"
    path.write_text(csv_text())
    result = load_file(warehouse, FEED, path, LoadContext("tnt_example"), source=str(path))
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (5, 0)


def test_a_file_rejected_for_its_mapping_loads_once_the_mapping_is_fixed(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    create_raw_tables(warehouse)
    folder = _folder(tmp_path, "fixed", mapping=MAPPING.replace("T: A02", "T: A99"))
    (folder / "adt.csv").write_text(HEADER + "".join(GOOD))
    assert FEED.files(tmp_path) == [folder / "adt.csv"]  # mapping.yaml configures, it is not data
    context = LoadContext("tnt_fixed")
    rejected = load_file(warehouse, FEED, folder / "adt.csv", context, source="fixed/adt.csv")
    assert rejected.status == "rejected" and rejected.rows_quarantined == 4  # every line, the header too
    (folder / "mapping.yaml").write_text(MAPPING)
    fixed = load_file(warehouse, FEED, folder / "adt.csv", context, source="fixed/adt.csv")
    assert fixed.status == "loaded" and fixed.conserved and fixed.rows_loaded == 3
    assert load_file(warehouse, FEED, folder / "adt.csv", context, source="fixed/adt.csv").rows_loaded == 0
