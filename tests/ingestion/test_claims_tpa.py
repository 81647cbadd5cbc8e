"""TPA claim lifecycle exports (CSV and NDJSON) through a per-TPA YAML mapping: codes, rupee amounts,
deduction lines, IST times; bad records (a bad amount, an unknown event, a missing claim id) quarantined with
their reason while the records around them load; re-loading adds nothing."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.claims_tpa import FEED
from ingestion.feeds.claims_tpa.reader import BUILT_IN
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables

TENANT = "tnt_claims_tpa"
# A TPA's own export: its own header texts and status words, amounts in rupees with Indian grouping.
MAPPING = """
his: Raksha TPA daily claim status
sender: raksha
time_formats: ["%d-%m-%Y %H:%M", iso8601]
amounts: rupees
columns:
  message_id: Txn
  claim_id: CCN
  event_type:
    column: Stage
    codes: {PA-REQ: preauth_requested, PA-APP: preauth_approved, SUB: claim_submitted, QRY: query_raised,
            QRY-REP: query_answered, PART: approved_partial, DEN: denied, PAID: settled}
  event_time: At
  insurer: Insurer
  tpa: {const: Raksha}
  visit_number: IP
  requested_paise: Claimed
  approved_paise: Approved
  paid_paise: Paid
  tds_paise: TDS
  deductions: Deductions
  reason_code: Reason
  utr: UTR
"""
HEADER = "Txn,CCN,Stage,At,Insurer,IP,Claimed,Approved,Paid,TDS,Deductions,Reason,UTR,Note\n"
GOOD = [
    'T1,CLM-1,PA-REQ,02-10-2026 10:00,Star Health,IP100,"1,20,000.00",,,,,,,first\n',
    "T2,CLM-1,PA-APP,02-10-2026 14:30,Star Health,IP100,,100000,,,,,,\n",
    'T3,CLM-1,PART,2026-10-09T11:00:00+05:30,Star Health,IP100,"1,18,500.50","1,10,000.00",,,'
    '"NME:5000:non-medical items;ROOM:3500.50:room rent cap",,,\n',
    "T4,CLM-1,PAID,12-10-2026 09:15,Star Health,IP100,,,99000,1000,,,UTIB0000123456,\n",
]
BAD = [
    ("T5,CLM-1,PAID,12-10-2026 09:15,Star Health,IP100,,,99k,,,,,\n", "column 'Paid (paid_paise)' has '99k'"),
    ("T6,CLM-1,WAT,12-10-2026 09:15,Star Health,IP100,,,,,,,,\n", "column 'Stage' (event_type) has 'WAT'"),
    ("T7,,DEN,12-10-2026 09:15,Star Health,IP100,,,,,,R01,,\n", "column 'CCN' (claim_id) is empty"),
    (
        "T8,CLM-2,PART,12-10-2026 09:15,Star Health,IP101,,,,,NME,,,\n",
        "each deduction needs a code and an amount",
    ),
    ("T9,CLM-2,DEN,31-02-2026 09:15,Star Health,IP101,,,,,,R01,,\n", "column 'At' (event_time) has"),
]


def _folder(tmp_path: Path, name: str = "raksha", mapping: str | None = MAPPING) -> Path:
    folder = tmp_path / "claims" / "tpa" / name
    folder.mkdir(parents=True)
    if mapping is not None:
        (folder / "mapping.yaml").write_text(mapping)
    return folder


def test_csv_rows_load_through_the_mapping_and_bad_rows_are_quarantined(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    create_raw_tables(warehouse)
    path = _folder(tmp_path) / "status_20261012.csv"
    path.write_text(HEADER + "".join(GOOD) + "".join(line for line, _ in BAD))
    result = load_file(warehouse, FEED, path, LoadContext(TENANT), source="raksha/status_20261012.csv")
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (len(GOOD), len(BAD))
    rows = warehouse.rows(
        "select source, sender, message_id, claim_id, claim_kind, event_type, event_time, message_time, "
        "insurer, tpa, visit_number, requested_paise, approved_paise, deducted_paise, paid_paise, tds_paise, "
        f"utr, deductions, raw from raw.claims_tpa_events where tenant_id = '{TENANT}' order by _source_line"
    )
    asked, approved = datetime(2026, 10, 2, 4, 30), datetime(2026, 10, 2, 9, 0)  # IST read, stored UTC
    decided, paid = datetime(2026, 10, 9, 5, 30), datetime(2026, 10, 12, 3, 45)
    common = ("tpa/raksha", "raksha")
    assert [r[:17] for r in rows] == [
        (*common, "T1", "CLM-1", "preauth", "preauth_requested", asked, asked, "Star Health", "Raksha",
         "IP100", 12_000_000, None, None, None, None, ""),
        (*common, "T2", "CLM-1", "preauth", "preauth_approved", approved, approved, "Star Health", "Raksha",
         "IP100", None, 10_000_000, None, None, None, ""),
        (*common, "T3", "CLM-1", "claim", "approved_partial", decided, decided, "Star Health", "Raksha",
         "IP100", 11_850_050, 11_000_000, 850_050, None, None, ""),
        (*common, "T4", "CLM-1", "claim", "settled", paid, paid, "Star Health", "Raksha", "IP100", None,
         None, None, 9_900_000, 100_000, "UTIB0000123456"),
    ]  # fmt: skip
    assert json.loads(rows[2][17]) == [
        {"code": "NME", "reason": "non-medical items", "amount_paise": 500_000},
        {"code": "ROOM", "reason": "room rent cap", "amount_paise": 350_050},
    ]
    assert json.loads(rows[0][18])["Note"] == "first"  # the whole row, unmapped columns too
    reasons = dict(
        warehouse.rows(
            "select _source_line, reason from raw.quarantine where _source_file = 'raksha/status_20261012.csv'"
        )
    )
    first_bad = 2 + len(GOOD)
    for n, (_, why) in enumerate(BAD):
        assert why in reasons[first_bad + n], (n, reasons.get(first_bad + n))

    again = load_file(warehouse, FEED, path, LoadContext(TENANT), source="raksha/status_20261012.csv")
    assert again.rows_loaded == 0
    later = path.with_name("status_20261013.csv")  # a later export repeating an event under its id
    later.write_text(HEADER + GOOD[3])
    repeat = load_file(warehouse, FEED, later, LoadContext(TENANT), source="raksha/status_20261013.csv")
    assert repeat.conserved and (repeat.rows_loaded, repeat.rows_quarantined) == (0, 0)
    count = warehouse.scalar(f"select count() from raw.claims_tpa_events where tenant_id = '{TENANT}'")
    assert count == len(GOOD)


def test_ndjson_objects_load_through_the_same_mapping(warehouse: Warehouse, tmp_path: Path) -> None:
    create_raw_tables(warehouse)
    path = _folder(tmp_path, "raksha_json") / "events.ndjson"
    mapping = MAPPING.replace("utr: UTR", "utr: payment.utr")
    (path.parent / "mapping.yaml").write_text(mapping)
    events = [
        {"Txn": "J1", "CCN": "CLM-9", "Stage": "SUB", "At": "2026-10-05T10:00:00+05:30", "Claimed": 50000.5},
        {"Txn": "J2", "CCN": "CLM-9", "Stage": "QRY", "At": "2026-10-06T10:00:00Z", "Reason": "Q12"},
        {"Txn": "J3", "CCN": "CLM-9", "Stage": "PART", "At": "2026-10-07T10:00:00Z", "Approved": "45,000",
         "Deductions": [{"code": "CONS", "amount": "5000.50", "reason": "consumables"}]},
        {"Txn": "J4", "CCN": "CLM-9", "Stage": "PAID", "At": "2026-10-08T10:00:00Z", "Paid": 44550,
         "TDS": 450, "payment": {"utr": "HDFC0000777"}},
    ]  # fmt: skip
    bad = [
        '{"Txn": "J5", "CCN": "CLM-9", "Stage": "PAID", "At": "2026-10-09T10:00:00Z", "Paid": "lots"}',
        "[1, 2]",
        "{oops",
    ]
    path.write_text("".join(json.dumps(e) + "\n" for e in events) + "\n" + "\n".join(bad) + "\n")
    result = load_file(warehouse, FEED, path, LoadContext(TENANT), source="raksha_json/events.ndjson")
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (4, 3)
    rows = warehouse.rows(
        "select message_id, event_type, requested_paise, approved_paise, deducted_paise, paid_paise, "
        "tds_paise, reason_code, utr from raw.claims_tpa_events where source = 'tpa/raksha_json' "
        "order by _source_line"
    )
    assert rows == [
        ("J1", "claim_submitted", 5_000_050, None, None, None, None, "", ""),
        ("J2", "query_raised", None, None, None, None, None, "Q12", ""),
        ("J3", "approved_partial", None, 4_500_000, 500_050, None, None, "", ""),
        ("J4", "settled", None, None, None, 4_455_000, 45_000, "", "HDFC0000777"),
    ]
    reasons = [r[0] for r in warehouse.rows(
        "select reason from raw.quarantine where _source_file = 'raksha_json/events.ndjson' order by _source_line"
    )]  # fmt: skip
    assert "column 'Paid (paid_paise)' has 'lots'" in reasons[0]
    assert reasons[1:] == ["line is not a JSON object (a claim event)", reasons[2]]
    assert reasons[2].startswith("line is not JSON")


@pytest.mark.parametrize(
    ("mapping", "why"),
    [
        (MAPPING.replace("DEN: denied", "DEN: refused"), "columns.event_type: 'refused' is not one of"),
        (MAPPING.replace("  claim_id: CCN\n", ""), "columns.claim_id is missing"),
        (
            MAPPING.replace("  insurer: Insurer\n", "  payer: Insurer\n"),
            "columns.payer is not a claim event column",
        ),
        (MAPPING.replace("amounts: rupees", "amounts: dollars"), "amounts"),
    ],
)
def test_a_bad_mapping_rejects_the_files_of_its_folder_in_one_line(
    warehouse: Warehouse, tmp_path: Path, mapping: str, why: str
) -> None:
    create_raw_tables(warehouse)
    path = _folder(tmp_path, mapping=mapping) / "status.csv"
    path.write_text(HEADER + GOOD[0])
    result = load_file(warehouse, FEED, path, LoadContext(TENANT), source=str(path))
    assert result.status == "rejected" and result.rows_loaded == 0 and result.conserved
    assert "\n" not in result.note and why in result.note, result.note
    assert "mapping.yaml of 'raksha'" in result.note


def test_the_example_mapping_is_built_in_and_reads_its_folder(warehouse: Warehouse, tmp_path: Path) -> None:
    assert "example_tpa" in BUILT_IN
    create_raw_tables(warehouse)
    path = _folder(tmp_path, "example_tpa", mapping=None) / "export.csv"
    header = [s.column for s in BUILT_IN["example_tpa"].columns.values() if s.const is None]
    cells = {
        "Event Id": "E1", "Claim No": "CLM-77", "Type": "Claim", "Status": "Partially Approved",
        "Status Date": "09/10/2026 11:00", "Claimed Amt": "1,00,000", "Approved Amt": "90,000",
        "Deductions": "NME:10000:non-medical", "Hospital Code": "br_blr01",
    }  # fmt: skip
    path.write_text(",".join(header) + "\n" + ",".join(f'"{cells.get(h, "")}"' for h in header) + "\n")
    assert FEED.files(tmp_path) == [path]  # mapping.yaml would configure, never load
    result = load_file(warehouse, FEED, path, LoadContext("tnt_example"), source=str(path))
    assert result.conserved and (result.rows_loaded, result.rows_quarantined) == (1, 0)
    row = warehouse.rows(
        "select tpa, branch_id, event_type, deducted_paise from raw.claims_tpa_events where tenant_id = 'tnt_example'"
    )
    assert row == [("Example TPA", "br_blr01", "approved_partial", 1_000_000)]
