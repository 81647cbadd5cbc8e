"""Razorpay settlement files, good and bad, loaded into a real chDB warehouse."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.razorpay_settlements import FEED as SETTLEMENTS_FEED
from ingestion.feeds.razorpay_settlements.reader import COLUMNS
from ingestion.loader import ALREADY_LOADED, BatchResult, load_file
from ingestion.tables import create_raw_tables

FEED = SETTLEMENTS_FEED
CONTEXT = LoadContext(tenant_id="tnt_test")


def line(entity_id: str, /, paise: int = 50000, **overrides: object) -> dict[str, object]:
    amount = paise
    fee = amount * 118 // 10000  # 1% MDR plus 18% GST on it
    row: dict[str, object] = {c: "" for c in COLUMNS}
    row.update(
        entity_id=entity_id, type="payment", debit=0, credit=amount - fee, amount=amount, currency="INR",
        fee=fee, tax=fee * 18 // 118, on_hold=0, settled=1, created_at=1759300000, settled_at=1759472800,
        settlement_id="setl_A", posted_at=1759472800, credit_type="default", notes='{"branch_id":"br_1"}',
        settlement_utr="UTIBN62026100300042", order_id=f"order_{entity_id}", method="upi",
    )  # fmt: skip
    row.update(overrides)
    return row


def write_csv(path: Path, rows: list[dict[str, object]], *, columns: list[str] = COLUMNS, crlf: bool = False,
              bom: bool = False) -> Path:  # fmt: skip
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n" if crlf else "\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode())
    return path


def rows_in_table(w: Warehouse, source: str) -> int:
    return w.scalar(
        "select count() from raw.razorpay_settlement_lines where _source_file = {s:String}", {"s": source}
    )


def quarantine(w: Warehouse, source: str) -> list[tuple[int, str, str]]:
    return w.rows(
        "select _source_line, reason, raw_line from raw.quarantine where _source_file = {s:String} order by 1",
        {"s": source},
    )


def load(w: Warehouse, path: Path) -> BatchResult:
    create_raw_tables(w)
    result = load_file(w, FEED, path, CONTEXT, source=path.name)
    assert result.conserved, result
    return result


def test_good_file_loads_every_row_typed(warehouse: Warehouse, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "good.csv", [line("pay_g1"), line("pay_g2", 120000)])
    result = load(warehouse, path)
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 2, 2)
    amounts = warehouse.rows(
        "select entity_id, amount, credit, _source_line from raw.razorpay_settlement_lines "
        "where _source_file = 'good.csv' order by entity_id"
    )
    assert amounts == [("pay_g1", 50000, 50000 - 590, 2), ("pay_g2", 120000, 120000 - 1416, 3)]


def test_same_file_twice_adds_nothing(warehouse: Warehouse, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "twice.csv", [line("pay_t1"), line("pay_t2")])
    first = load(warehouse, path)
    second = load(warehouse, path)
    assert first.rows_loaded == 2
    assert second.status == ALREADY_LOADED and second.rows_read == 0
    assert rows_in_table(warehouse, "twice.csv") == 2


def test_redelivered_file_with_overlapping_lines_adds_only_new_rows(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    load(warehouse, write_csv(tmp_path / "day1.csv", [line("pay_o1"), line("pay_o2")]))
    total_before = warehouse.scalar("select count() from raw.razorpay_settlement_lines")
    again = load(
        warehouse,
        write_csv(tmp_path / "day1-redelivered.csv", [line("pay_o1"), line("pay_o2"), line("pay_o3")]),
    )
    assert (again.rows_read, again.rows_loaded, again.rows_skipped, again.rows_quarantined) == (3, 1, 2, 0)
    assert warehouse.scalar("select count() from raw.razorpay_settlement_lines") == total_before + 1


def test_a_redelivered_line_with_empty_optional_times_is_a_duplicate_not_a_conflict(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """Razorpay's recon sends `posted_at` (and for unsettled lines `settled_at`) as null: such a line
    delivered again is the same fact, skipped, and a changed one is still a conflict."""
    lines = [line("pay_n1", posted_at=""), line("pay_n2", posted_at="", settled=0, settled_at="")]
    load(warehouse, write_csv(tmp_path / "nulls.csv", lines))
    again = load(warehouse, write_csv(tmp_path / "nulls-again.csv", [*lines, line("pay_n3", posted_at="")]))
    assert (again.rows_read, again.rows_loaded, again.rows_skipped, again.rows_quarantined) == (3, 1, 2, 0)
    changed = load(
        warehouse, write_csv(tmp_path / "nulls-changed.csv", [line("pay_n1", posted_at=1759472801)])
    )
    assert (changed.rows_loaded, changed.rows_quarantined) == (0, 1)


def test_changed_values_for_a_loaded_key_are_quarantined_not_overwritten(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    load(warehouse, write_csv(tmp_path / "orig.csv", [line("pay_c1", 50000)]))
    result = load(warehouse, write_csv(tmp_path / "changed.csv", [line("pay_c1", 40000)]))
    assert (result.rows_loaded, result.rows_quarantined) == (0, 1)
    [(number, reason, raw)] = quarantine(warehouse, "changed.csv")
    assert number == 2 and "loaded before from orig.csv line 2" in reason and "40000" in raw
    assert (
        warehouse.scalar("select amount from raw.razorpay_settlement_lines where entity_id = 'pay_c1'")
        == 50000
    )


@pytest.mark.parametrize(
    ("override", "expected_reason"),
    [
        ({"amount": "12a0"}, "column 'amount' has '12a0', not a whole number of paise"),
        ({"type": "chargeback"}, "column 'type' has 'chargeback'; expected one of payment, refund"),
        ({"currency": "USD"}, "only INR settlements are supported"),
        ({"settled_at": ""}, "column 'settled_at' is empty"),
        ({"entity_id": ""}, "column 'entity_id' is empty but required"),
        ({"created_at": "2026-10-01"}, "column 'created_at' has '2026-10-01', not a time in epoch seconds"),
    ],
)
def test_bad_values_are_quarantined_with_a_reason(
    warehouse: Warehouse, tmp_path: Path, override: dict[str, str], expected_reason: str
) -> None:
    name = f"bad-{next(iter(override))}.csv"
    result = load(
        warehouse, write_csv(tmp_path / name, [line(f"pay_ok_{name}"), line(f"pay_bad_{name}", **override)])
    )
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    [(number, reason, raw)] = quarantine(warehouse, name)
    assert number == 3 and expected_reason in reason and f"pay_bad_{name}" in raw


def test_truncated_line_is_quarantined_and_the_rest_loads(warehouse: Warehouse, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "truncated.csv", [line("pay_tr1"), line("pay_tr2")])
    text = path.read_text()
    path.write_text(text + "pay_tr3,payment,0,49410,500")  # the sender's upload was cut off
    result = load(warehouse, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    [(number, reason, raw)] = quarantine(warehouse, "truncated.csv")
    assert (
        number == 4
        and "row has 5 fields but the header has 26" in reason
        and raw == "pay_tr3,payment,0,49410,500"
    )


def test_bom_and_crlf_are_read_like_plain_utf8(warehouse: Warehouse, tmp_path: Path) -> None:
    result = load(
        warehouse, write_csv(tmp_path / "bom-crlf.csv", [line("pay_b1"), line("pay_b2")], crlf=True, bom=True)
    )
    assert (result.rows_loaded, result.rows_quarantined) == (2, 0)
    assert warehouse.rows(
        "select entity_id, settlement_utr from raw.razorpay_settlement_lines where _source_file = 'bom-crlf.csv' "
        "order by 1"
    ) == [("pay_b1", "UTIBN62026100300042"), ("pay_b2", "UTIBN62026100300042")]


def test_missing_column_rejects_the_file_and_quarantines_every_line(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    columns = [c for c in COLUMNS if c != "fee"]
    result = load(
        warehouse, write_csv(tmp_path / "nofee.csv", [line("pay_n1"), line("pay_n2")], columns=columns)
    )
    assert result.status == "rejected"
    assert "closest is razorpay_recon_csv" in result.note and "lacks its column(s) fee" in result.note
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 0, 3)
    lines = quarantine(warehouse, "nofee.csv")
    assert [n for n, _, _ in lines] == [1, 2, 3]
    assert all(reason.startswith("file rejected: header fits no settlement format") for _, reason, _ in lines)


def test_empty_file_is_recorded_and_loads_nothing(warehouse: Warehouse, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    header_only = write_csv(tmp_path / "header-only.csv", [])
    for path in (empty, header_only):
        result = load(warehouse, path)
        assert (result.status, result.rows_read) == ("empty", 0)
    assert (
        warehouse.scalar(
            "select count() from raw.load_ledger where source_file in ('empty.csv', 'header-only.csv') and status = 'empty'"
        )
        == 2
    )


def test_json_collection_loads_the_same_rows_as_csv(warehouse: Warehouse, tmp_path: Path) -> None:
    rows = [line("pay_j1"), line("pay_j2", 75000, type="payment", method="card", card_network="Visa")]
    load(warehouse, write_csv(tmp_path / "as-csv.csv", rows))
    items = [
        {k: (int(v) if k in ("debit", "credit", "amount", "fee", "tax", "on_hold", "settled", "created_at",
                             "settled_at", "posted_at") else v) for k, v in r.items()}
        for r in rows
    ]  # fmt: skip
    for item in items:
        item["notes"] = json.loads(str(item["notes"]))  # the API returns notes as an object
        item["entity_id"] = str(item["entity_id"]) + "_json"
    (tmp_path / "as-json.json").write_text(json.dumps({"entity": "collection", "count": 2, "items": items}))
    result = load(warehouse, tmp_path / "as-json.json")
    assert (result.rows_loaded, result.rows_quarantined) == (2, 0)
    columns = ", ".join(c for c in COLUMNS if c not in ("entity_id", "notes"))
    from_csv = warehouse.rows(
        f"select {columns} from raw.razorpay_settlement_lines where _source_file = 'as-csv.csv' order by amount"
    )
    from_json = warehouse.rows(
        f"select {columns} from raw.razorpay_settlement_lines where _source_file = 'as-json.json' order by amount"
    )
    assert from_csv == from_json and len(from_csv) == 2


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"entity": "settlement", "id": "setl_1"}', "not a Razorpay settlement recon collection"),
        ('[{"entity_id": "pay_1"}]', "not a Razorpay settlement recon collection"),
        ('{"entity": "collection", "items": [', "not valid JSON"),
    ],
)
def test_json_that_is_not_razorpays_shape_is_rejected_whole(
    warehouse: Warehouse, tmp_path: Path, body: str, reason: str
) -> None:
    path = tmp_path / f"wrong-{abs(hash(body))}.json"
    path.write_text(body)
    result = load(warehouse, path)
    assert (result.status, result.rows_read, result.rows_quarantined) == ("rejected", 1, 1)
    [(_number, why, raw)] = quarantine(warehouse, path.name)
    assert reason in why and raw == body


def test_json_item_missing_fields_is_quarantined(warehouse: Warehouse, tmp_path: Path) -> None:
    good = {k: v for k, v in line("pay_ji1").items()}
    path = tmp_path / "items.json"
    path.write_text(
        json.dumps({"entity": "collection", "items": [good, {"entity_id": "pay_ji2", "type": "payment"}]})
    )
    result = load(warehouse, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    [(number, reason, _)] = quarantine(warehouse, "items.json")
    assert number == 2 and reason.startswith("item lacks field(s) debit, credit")


def test_unexpected_file_in_the_feed_folder_is_rejected_not_ignored(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("settlement for october\nsee attached\n")
    result = load(warehouse, path)
    assert (result.status, result.rows_quarantined) == ("rejected", 2)
    assert "notes.txt is not a razorpay_settlements file" in quarantine(warehouse, "notes.txt")[0][1]
