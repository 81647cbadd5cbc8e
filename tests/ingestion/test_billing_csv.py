"""Bill CSV exports through the real loader into a real chDB warehouse: the built-in example mapping
(ingestion/feeds/billing_csv/mappings/example_his.yaml) reading its folder, a chain's own mapping.yaml with
amounts in paise, rows that must be quarantined with a reason, and a mapping that must reject its folder."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.billing_csv import FEED
from ingestion.loader import BatchResult, load_file
from ingestion.tables import create_raw_tables

EXAMPLE_HEADER = (
    "Bill No,Sl No,Billed On,IP/OP No,Bill Status,Service Date,Dr/Cr,Service Code,Service Name,Qty,Rate,"
    "Amount,Dept Code,Doctor Code,UHID,ABHA No,Ward"
)


def write(tmp_path: Path, his: str, name: str, text: str, mapping: str | None = None) -> Path:
    folder = tmp_path / "billing" / "csv" / his
    folder.mkdir(parents=True, exist_ok=True)
    if mapping is not None:
        (folder / "mapping.yaml").write_text(mapping, encoding="utf-8")
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def load(warehouse: Warehouse, path: Path) -> BatchResult:
    tenant = next(p.name for p in path.parents if p.name.startswith("test_"))
    result = load_file(warehouse, FEED, path, LoadContext(tenant), source=str(path))
    assert result.conserved
    return result


def lines(warehouse: Warehouse, path: Path, columns: str) -> list[tuple]:
    return warehouse.rows(
        f"select {columns} from raw.csv_charge_lines where _source_file = {{f:String}} order by _source_line",
        {"f": str(path)},
    )


def reasons(warehouse: Warehouse, path: Path) -> dict[int, str]:
    return dict(
        warehouse.rows(
            "select _source_line, reason from raw.quarantine where feed = 'billing_csv' and _source_file = {f:String}",
            {"f": str(path)},
        )
    )


@pytest.fixture
def wh(warehouse: Warehouse) -> Warehouse:
    create_raw_tables(warehouse)
    return warehouse


def test_the_example_mapping_is_built_in_and_reads_its_folder(wh: Warehouse, tmp_path: Path) -> None:
    text = "\n".join(
        [
            EXAMPLE_HEADER,
            "FB-77,1,05/10/2026 10:15,IP000042,Final,04/10/2026 09:30,Dr,RM-WARD,Ward bed-day,3,2500.00,"
            "7500.00,GEN,PR100,MR0001,91-1234-5678-9012,W1",
            "FB-77,2,05/10/2026 10:15,IP000042,Final,05/10/2026,Cr,CONC,Concession,1,,500,,,MR0001,,W1",
            'FB-77,3,05/10/2026 10:15,IP000042,Final,05/10/2026,RCPT,RCPT,Receipt,1,,"7,000.00",,,MR0001,,W1',
            "FB-77,4,05/10/2026 10:15,IP000042,Final,05/10/2026,Dr,PHARM,Pharmacy,2,12.25,,,,MR0001,,W1",
        ]
    )
    path = write(tmp_path, "example_his", "bills.csv", text + "\n")
    result = load(wh, path)
    assert (result.rows_loaded, result.rows_quarantined) == (4, 0)
    got = lines(
        wh,
        path,
        "sender, message_id, line_number, message_time, mrn, abha_number, visit_number, bill_number, bill_kind, "
        "transaction_time, transaction_type, service_code, quantity, amount_paise, unit_amount_paise, department, "
        "performing_doctor",
    )
    assert got[0] == (
        "example_his", "FB-77", 1, datetime(2026, 10, 5, 4, 45), "MR0001", "91-1234-5678-9012", "IP000042",
        "FB-77", "final", datetime(2026, 10, 4, 4, 0), "CG", "RM-WARD", Decimal(3), 750000, 250000, "GEN", "PR100",
    )  # fmt: skip
    assert [(g[10], g[13], g[14]) for g in got[1:]] == [
        ("CD", 50000, None),
        ("PY", 700000, None),  # Western grouping read as rupees
        ("CG", 2450, 1225),  # no amount: rate times quantity
    ]
    again = load(wh, path)
    assert again.status == "already_loaded" or again.rows_loaded == 0


def test_bad_rows_are_quarantined_with_the_column_and_value(wh: Warehouse, tmp_path: Path) -> None:
    ok = "FB-1,1,05/10/2026 10:15,IP1,Final,05/10/2026,Dr,CONS,Consult,1,,800,,,MR1,,"
    text = "\n".join(
        [
            EXAMPLE_HEADER,
            ok,
            "FB-1,2,05/10/2026 10:15,IP1,Final,05/10/2026,Dr,CONS,Consult,1,,12.345,,,MR1,,",
            "FB-1,3,05/10/2026 10:15,IP1,Final,05/10/2026,XX,CONS,Consult,1,,800,,,MR1,,",
            "FB-1,4,05/10/2026 10:15,,Final,05/10/2026,Dr,CONS,Consult,1,,800,,,MR1,,",
            "FB-1,5,05/10/2026 10:15,IP1,Closed,05/10/2026,Dr,CONS,Consult,1,,800,,,MR1,,",
            "FB-1,6,05/10/2026 10:15,IP1,Final,05/10/2026,Dr,CONS,Consult,1,,,,,MR1,,",
            "FB-1,7,05/10/2026 10:15,IP1,Final,31/02/2026,Dr,CONS,Consult,1,,800,,,MR1,,",
            "FB-1,8,05/10/2026 10:15,IP1,Final,05/10/2026,Dr,CONS,Consult,1,,800,,,,,",
            "FB-1,x,05/10/2026 10:15,IP1,Final,05/10/2026,Dr,CONS,Consult,1,,800,,,MR1,,",
        ]
    )
    path = write(tmp_path, "example_his", "bad.csv", text + "\n")
    result = load(wh, path)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 8)
    why = reasons(wh, path)
    assert why[3].startswith("column 'Amount (amount_paise)' has '12.345', not an amount in rupees")
    assert "column 'Dr/Cr' (transaction_type) has 'XX', not one of its codes" in why[4]
    assert why[5] == "column 'IP/OP No' (visit_number) is empty but required"
    assert "column 'Bill Status' (bill_kind) has 'Closed'" in why[6]
    assert why[7] == "the row has no amount: amount_paise and unit_amount_paise are both empty"
    assert "column 'Service Date' (transaction_time) has '31/02/2026', not a time" in why[8]
    assert why[9].startswith("the row has no patient identifier")
    assert why[10] == "column 'Sl No (line_number)' has 'x', not a whole number"


def test_a_chains_own_mapping_with_amounts_in_paise(wh: Warehouse, tmp_path: Path) -> None:
    mapping = "\n".join(
        [
            "sender: cityhis",
            "amounts: paise",
            "columns:",
            "  message_id: msg",
            "  line_number: ln",
            "  visit_number: visit",
            "  bill_number: bill",
            "  bill_kind: {const: interim}",
            "  transaction_time: at",
            "  service_code: code",
            "  amount_paise: paise",
            "identifiers:",
            "  - {column: mrn, type: MR}",
        ]
    )
    text = "msg,ln,visit,bill,at,code,paise,mrn\nM1,1,V1,B1,2026-10-05T10:00:00+05:30,CONS,-80000,MR1\n"
    path = write(tmp_path, "cityhis", "x.csv", text, mapping)
    assert load(wh, path).rows_loaded == 1
    assert lines(wh, path, "sender, bill_kind, transaction_type, amount_paise, quantity, message_time") == [
        ("cityhis", "interim", "CG", -80000, Decimal(1), datetime(2026, 10, 5, 4, 30))
    ]


@pytest.mark.parametrize(
    ("mapping", "why"),
    [
        ("columns: {message_id: a}", "columns.line_number is missing"),
        (
            "columns: {message_id: a, line_number: b, visit_number: c, bill_number: d, transaction_time: e, "
            "service_code: f, amount_paise: g, transaction_type: {column: h, codes: {D: XX}}}",
            "columns.transaction_type: 'XX' is not one of CG, CD, PY, AJ",
        ),
        (
            "columns: {message_id: a, line_number: b, visit_number: c, bill_number: d, transaction_time: e, "
            "service_code: f}",
            "columns need amount_paise or unit_amount_paise",
        ),
        ("columns: {event_type: a}", "columns.event_type is not a charge line column a CSV fills"),
    ],
)
def test_a_bad_mapping_rejects_its_folder_with_one_line(
    wh: Warehouse, tmp_path: Path, mapping: str, why: str
) -> None:
    path = write(tmp_path, "broken", "x.csv", "a,b\n1,2\n", mapping)
    result = load(wh, path)
    assert result.rows_loaded == 0 and result.status == "rejected"
    assert why in result.note, result.note
    assert "\n" not in result.note


def test_a_file_with_no_mapping_is_rejected_saying_where_the_mapping_goes(
    wh: Warehouse, tmp_path: Path
) -> None:
    path = write(tmp_path, "unknown_his", "x.csv", "a,b\n1,2\n")
    result = load(wh, path)
    assert result.status == "rejected"
    assert "no bill CSV mapping for this file: put it in billing/csv/<his>/" in result.note
