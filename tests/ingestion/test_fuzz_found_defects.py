"""Every defect a fuzz run of the old loader found, each now one quarantined record with a reason.

The good records around a bad one load, and conservation holds: this test counts the records itself from
the file's bytes (non-blank lines, less a CSV header), not from the ledger.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext, feed_named
from ingestion.loader import BatchResult, load_file
from ingestion.tables import create_raw_tables

CONTEXT = LoadContext(tenant_id="tnt_test")
SETTLEMENT_HEADER = ",".join(feed_named("razorpay_settlements").spec.header())
BANK_HEADER = ",".join(feed_named("bank_statements").spec.header())


def settlement(entity_id: str, *, amount: str = "50000", fee: str = "590", extra: str = "credit") -> str:
    values = {
        "entity_id": entity_id, "type": "payment", "debit": "0", "credit": "49410", "amount": amount,
        "currency": "INR", "fee": fee, "tax": "90", "on_hold": "0", "settled": "1", "created_at": "1759300000",
        "settled_at": "1759472800", "settlement_id": "setl_A", "posted_at": "1759472800", "credit_type": extra,
        "description": "", "notes": '"{""branch_id"":""br_1""}"', "payment_id": entity_id,
        "settlement_utr": "UTIBN62026100300042", "order_id": f"order_{entity_id}", "order_receipt": "",
        "method": "upi", "card_network": "", "card_issuer": "", "card_type": "", "dispute_id": "",
    }  # fmt: skip
    return ",".join(values[c] for c in SETTLEMENT_HEADER.split(","))


def event(
    event_id: str, *, time: str = "2026-10-01T04:30:01Z", amount: int = 50000, payment: str = ""
) -> str:
    data = {
        "payment_id": payment or f"pay_{event_id}", "order_id": f"order_{event_id}", "booking_id": "bk_1",
        "patient_id": "pt_1", "branch_id": "br_1", "amount_paise": amount, "currency": "INR", "method": "upi",
        "gateway": "razorpay", "captured_at": "2026-10-01T04:30:00Z",
    }  # fmt: skip
    return json.dumps(
        {
            "specversion": "1.0",
            "id": event_id,
            "source": "mymedic/booking/br_1",
            "type": "payment.deposit.paid",
            "time": time,
            "subject": "bk_1",
            "datacontenttype": "application/json",
            "tenantid": "tnt_test",
            "branchid": "br_1",
            "data": data,
        }
    )


def records_in(path: Path, *, header: bool) -> int:
    """Records of a file counted from its bytes: non-blank lines, less the header of a CSV."""
    lines = [ln for ln in path.read_bytes().split(b"\n") if ln.strip(b" \t\r\xef\xbb\xbf")]
    return len(lines) - (1 if header else 0)


def load(w: Warehouse, feed: str, path: Path, *, header: bool) -> tuple[BatchResult, dict[int, str]]:
    create_raw_tables(w)
    result = load_file(w, feed_named(feed), path, CONTEXT, source=path.name)
    assert result.rows_read == records_in(path, header=header)
    assert result.rows_read == result.rows_loaded + result.rows_quarantined + result.rows_skipped
    reasons = dict(
        w.rows(
            "select _source_line, reason from raw.quarantine where _source_file = {s:String}",
            {"s": path.name},
        )
    )
    assert len(reasons) == result.rows_quarantined
    return result, reasons


def write(path: Path, lines: list[str], *, end: str = "\n") -> Path:
    path.write_bytes(end.join(lines).encode() + end.encode())
    return path


def test_settlement_amounts_beyond_int64_are_quarantined_not_zero(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "overflow.csv",
        [
            SETTLEMENT_HEADER,
            settlement("pay_1"),
            settlement("pay_2", amount="99999999999999999999"),
            settlement("pay_3", fee="-99999999999999999999"),
            settlement("pay_4"),
        ],
    )
    result, reasons = load(warehouse, "razorpay_settlements", path, header=True)
    assert result.rows_loaded == 2
    assert reasons[3] == "column 'amount' has '99999999999999999999', outside ±10^15 paise"
    assert reasons[4] == "column 'fee' has '-99999999999999999999', outside ±10^15 paise"
    assert warehouse.scalar("select countIf(amount = 0) from raw.razorpay_settlement_lines") == 0


def test_settlement_line_quirks_each_cost_one_record(warehouse: Warehouse, tmp_path: Path) -> None:
    cut = settlement("pay_cut").replace('"{""branch_id"":""br_1""}"', '"{""branch_id"":""br')
    path = write(
        tmp_path / "quirks.csv",
        [
            SETTLEMENT_HEADER,
            settlement("pay_a"),
            "," * SETTLEMENT_HEADER.count(","),  # a row of only commas
            settlement("pay_b", extra="def\rault"),  # a stray CR inside a line
            settlement("pay_c", extra="x" * 200_000),  # a 200 KB field
            cut,  # cut inside a quoted field
            settlement("pay_d"),
            settlement("pay_e"),
        ],
    )
    _, reasons = load(warehouse, "razorpay_settlements", path, header=True)
    loaded = {
        r[0]
        for r in warehouse.rows(
            "select entity_id from raw.razorpay_settlement_lines where _source_file = 'quirks.csv'"
        )
    }
    # the CR and the long field are just text in credit_type; the good lines around every bad one load
    assert loaded == {"pay_a", "pay_b", "pay_c", "pay_d", "pay_e"}
    assert reasons == {
        3: "row has no values, only delimiters",
        6: "row has a stray or unterminated double quote (a quoted field must close on its own line)",
    }
    long_raw = warehouse.scalar(
        "select length(raw_line) from raw.quarantine where _source_file = 'quirks.csv'"
    )
    assert long_raw <= 4096


def test_quarantine_keeps_a_capped_excerpt_and_a_reference(warehouse: Warehouse, tmp_path: Path) -> None:
    big = settlement("pay_big", amount="x" + "9" * 10_000)
    path = write(tmp_path / "big.csv", [SETTLEMENT_HEADER, settlement("pay_ok"), big])
    load(warehouse, "razorpay_settlements", path, header=True)
    excerpt, offset, length, sha = warehouse.rows(
        "select raw_line, byte_offset, byte_length, content_sha256 from raw.quarantine where _source_file = 'big.csv'"
    )[0]
    data = path.read_bytes()
    assert data[offset : offset + length].decode() == big
    assert len(excerpt.encode()) == 4096 and big.startswith(excerpt)
    import hashlib

    assert sha == hashlib.sha256(data).hexdigest()


def test_event_times_are_strict_rfc3339(warehouse: Warehouse, tmp_path: Path) -> None:
    path = write(
        tmp_path / "times.ndjson",
        [
            event("e1"),
            event("e2", time="2026-10-01T25:00:00Z"),
            event("e3", time="2026-02-30T10:00:00Z"),
            event("e4"),
        ],
    )
    result, reasons = load(warehouse, "booking_events", path, header=False)
    assert result.rows_loaded == 2
    assert set(reasons) == {2, 3}
    assert all("time must be RFC 3339" in r for r in reasons.values())


def test_a_nested_cloudevent_says_so(warehouse: Warehouse, tmp_path: Path) -> None:
    path = write(tmp_path / "nested.ndjson", [json.dumps({"event": json.loads(event("n1"))}), event("n2")])
    _, reasons = load(warehouse, "booking_events", path, header=False)
    assert reasons == {
        1: "not a CloudEvent: the line's object has no specversion (is the event wrapped in another object?)"
    }


def test_a_changed_fact_under_a_new_event_id_is_quarantined_with_both_values(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    first = write(tmp_path / "day1.ndjson", [event("c1", payment="pay_same")])
    load(warehouse, "booking_events", first, header=False)
    again = write(
        tmp_path / "day2.ndjson",
        [
            event("c2", payment="pay_same", amount=1),  # same payment, another amount, new event id
            event("c3", payment="pay_new"),
            event("c4", payment="pay_new", amount=7),  # the same inside one file
        ],
    )
    result, reasons = load(warehouse, "booking_events", again, header=False)
    assert result.rows_loaded == 1
    assert set(reasons) == {1, 3}
    assert reasons[1].startswith("states a different fact about payment pay_same than day1.ndjson line 1: ")
    assert '"amount_paise":50000' in reasons[1].replace(" ", "") and '"amount_paise":1' in reasons[1].replace(
        " ", ""
    )
    assert reasons[3].startswith("states a different fact about payment pay_new than line 2 of this file: ")
    booked = warehouse.scalar(
        "select groupArray(JSONExtractInt(data, 'amount_paise')) from raw.booking_events "
        "where JSONExtractString(data, 'payment_id') = 'pay_same'"
    )
    assert booked == [50000]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("01/10/1969,01/10/1969,NEFT X,R1,,100.00,100.00", "column 'txn_date' has '01/10/1969', outside 01/01/1970..31/12/2105"),
        ("01/10/2026,01/10/2026,NEFT X,R2,,99999999999999999999.00,1.00", "column 'credit' has '99999999999999999999.00', outside ±10^15 paise"),
        ('01/10/2026,01/10/2026,NEFT X,R3,,"12,34",1.00', "column 'credit' has '12,34', not an amount in rupees like 1,234.50 or 1,23,456.78"),
        ("01/10/2026,01/10/2026,NEFT X,R4,,,1.00", "the line has neither a debit nor a credit; expected one of them"),
    ],
)  # fmt: skip
def test_bank_lines_the_warehouse_cannot_hold_are_quarantined(
    warehouse: Warehouse, tmp_path: Path, line: str, reason: str
) -> None:
    good = ["01/10/2026,01/10/2026,NEFT A,G1,,1,00,000.00,1,00,000.00"]
    path = write(
        tmp_path / f"statement_{abs(hash(line)) % 10**12:012d}.csv",  # the account is in the name
        [BANK_HEADER, '01/10/2026,01/10/2026,NEFT A,G1,,"1,00,000.00","1,00,000.00"', line, *good[:0]],
    )
    result, reasons = load(warehouse, "bank_statements", path, header=True)
    assert result.rows_loaded == 1
    assert reasons == {3: reason}


def test_doctor_fee_beyond_int64_is_one_quarantined_row(warehouse: Warehouse, tmp_path: Path) -> None:
    (tmp_path / "reference").mkdir()
    path = write(
        tmp_path / "reference" / "doctors.csv",
        [
            "tenant_id,doctor_id,branch_id,doctor_name,specialty,consultation_fee_paise",
            "tnt_test,dr_1,br_1,Dr A,GP,50000",
            "tnt_test,dr_2,br_1,Dr B,GP,99999999999999999999",
            "tnt_test,dr_3,br_1,Dr C,GP,60000",
        ],
    )
    result, reasons = load(warehouse, "reference", path, header=True)
    assert result.rows_loaded == 2
    assert reasons == {3: "column 'consultation_fee_paise' has '99999999999999999999', outside ±10^15 paise"}
