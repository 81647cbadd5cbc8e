"""A sender's declared time zone (adt/senders.yaml): HL7 and CSV times without an offset are read in it, times
with an offset keep theirs, undeclared senders stay IST; a bad zone rejects the files in one line, and they
load once it is fixed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.adt_csv import FEED as CSV_FEED
from ingestion.feeds.adt_hl7 import FEED as HL7_FEED
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables

TENANT = "tnt_adt_zones"
SENDERS = """
senders:
  DXBHIS^DUBAI: Asia/Dubai       # UTC+4, no daylight saving
  kaveri: Asia/Kathmandu         # UTC+5:45
"""


def hl7(app: str, facility: str, ctrl: str, msh7: str) -> str:
    return "\r".join((
        f"MSH|^~\\&|{app}|{facility}|MYMEDIC|MYMEDIC|{msh7}||ADT^A01^ADT_A01|{ctrl}|P|2.5",
        "EVN|A01|20261005102500||||20261005102000",
        "PID|1||MRN001^^^CITYHOSP^MR||Sharma^Asha||19800101|F",
        "PV1||I|W1^101^A||||D100^Rao^Vikram|||MED|||||||||V100" + "|" * 25 + "20261005100000",
    )) + "\r"  # fmt: skip


def data_dir(tmp_path: Path, senders: str | None = SENDERS) -> Path:
    (tmp_path / "adt").mkdir(parents=True, exist_ok=True)
    if senders is not None:
        (tmp_path / "adt" / "senders.yaml").write_text(senders)
    return tmp_path


def hl7_times(warehouse: Warehouse, source: str) -> list[tuple]:
    return warehouse.rows(
        "select sender, message_time, event_time, admit_time from raw.adt_hl7_events "
        "where _source_file = {f:String} order by message_id",
        {"f": source},
    )


def test_hl7_times_without_an_offset_are_read_in_the_senders_zone(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    create_raw_tables(warehouse)
    path = data_dir(tmp_path) / "adt" / "zones.hl7"
    path.write_text(
        hl7("DXBHIS", "DUBAI", "Z1", "20261005103000")  # Dubai: 10:30 +04:00
        + hl7("DXBHIS", "DUBAI", "Z2", "20261005103000+0530")  # its own offset wins
        + hl7("HIS", "CITYHOSP", "Z3", "20261005103000")  # not listed: IST
    )
    assert HL7_FEED.files(tmp_path) == [path]  # adt/senders.yaml configures; it is not an HL7 file
    result = load_file(warehouse, HL7_FEED, path, LoadContext(TENANT), source="zones.hl7")
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (3, 0), result.note
    assert hl7_times(warehouse, "zones.hl7") == [
        # MSH-7, EVN-6 (10:20) and PV1-44 (10:00), all in the sender's zone
        ("DXBHIS^DUBAI", datetime(2026, 10, 5, 6, 30), datetime(2026, 10, 5, 6, 20), datetime(2026, 10, 5, 6, 0)),
        ("DXBHIS^DUBAI", datetime(2026, 10, 5, 5, 0), datetime(2026, 10, 5, 6, 20), datetime(2026, 10, 5, 6, 0)),
        ("HIS^CITYHOSP", datetime(2026, 10, 5, 5, 0), datetime(2026, 10, 5, 4, 50), datetime(2026, 10, 5, 4, 30)),
    ]  # fmt: skip


def test_the_default_zone_applies_to_senders_not_listed(warehouse: Warehouse, tmp_path: Path) -> None:
    create_raw_tables(warehouse)
    path = data_dir(tmp_path, "default: UTC\n") / "adt" / "utc.hl7"
    path.write_text(hl7("HIS", "LONDON", "U1", "20261005103000"))
    assert load_file(warehouse, HL7_FEED, path, LoadContext(TENANT), source="utc.hl7").rows_loaded == 1
    assert hl7_times(warehouse, "utc.hl7") == [
        (
            "HIS^LONDON",
            datetime(2026, 10, 5, 10, 30),
            datetime(2026, 10, 5, 10, 20),
            datetime(2026, 10, 5, 10, 0),
        )
    ]


MAPPING = """
his: Kaveri HIS
time_formats: ["%Y-%m-%d %H:%M"]
columns:
  message_id: Row Id
  event_time: When
  event_type: {column: Flag, codes: {A: A01}}
  visit_number: Encounter
identifiers:
  - {column: UHID, type: MR, authority: KAVERI}
"""


def test_csv_times_use_the_senders_zone_unless_the_mapping_names_one(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    create_raw_tables(warehouse)
    root = data_dir(tmp_path)
    for his, mapping in (("kaveri", MAPPING), ("own", MAPPING + "sender: kaveri\nzone: UTC\n")):
        folder = root / "adt" / "csv" / his
        folder.mkdir(parents=True)
        (folder / "mapping.yaml").write_text(mapping)
        (folder / "adt.csv").write_text(
            f"Row Id,When,Flag,Encounter,UHID\n{his}-1,2026-10-05 10:30,A,V1,U1\n"
        )
        result = load_file(warehouse, CSV_FEED, folder / "adt.csv", LoadContext(TENANT), source=f"{his}.csv")
        assert result.conserved and result.rows_loaded == 1, result.note
    got = warehouse.rows(
        f"select message_id, sender, event_time from raw.adt_csv_events where tenant_id = '{TENANT}' order by message_id"
    )
    assert got == [
        ("kaveri-1", "kaveri", datetime(2026, 10, 5, 4, 45)),  # Kathmandu, +05:45
        ("own-1", "kaveri", datetime(2026, 10, 5, 10, 30)),  # the mapping's own zone wins
    ]


def test_a_bad_zone_rejects_the_files_in_one_line_and_they_load_once_it_is_fixed(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    create_raw_tables(warehouse)
    root = data_dir(tmp_path, SENDERS.replace("Asia/Dubai", "Mars/Olympus"))
    path = root / "adt" / "bad.hl7"
    path.write_text(hl7("DXBHIS", "DUBAI", "B1", "20261005103000"))
    context = LoadContext("tnt_adt_bad_zone")
    rejected = load_file(warehouse, HL7_FEED, path, context, source="bad.hl7")
    assert rejected.status == "rejected" and rejected.rows_loaded == 0 and rejected.conserved
    assert "\n" not in rejected.note
    assert "adt/senders.yaml is invalid: senders.DXBHIS^DUBAI: 'Mars/Olympus' is not a time zone name" in (
        rejected.note
    )
    data_dir(tmp_path, SENDERS)
    fixed = load_file(warehouse, HL7_FEED, path, context, source="bad.hl7")
    assert fixed.status == "loaded" and fixed.rows_loaded == 1
