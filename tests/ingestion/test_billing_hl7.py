"""HL7 v2 DFT^P03 bills through the real loader into a real chDB warehouse: hand-written messages in the v2.5
DFT_P03 shape (MSH, EVN, PID, PV1, then one FT1 per charge line: FT1-1 set id, FT1-2 transaction id, FT1-3
transaction batch id, FT1-4 transaction date, FT1-6 type, FT1-7 code, FT1-10 quantity, FT1-11/12 extended
and unit amount as CP, FT1-13 department, FT1-20/21 performed/ordered by), in the file shapes the ADT feed
reads, and the bad messages that must be quarantined whole with a reason."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.billing_hl7 import FEED
from ingestion.loader import BatchResult, load_file
from ingestion.tables import create_raw_tables

PID = "PID|1||MR0001^^^ARGHIS^MR~91-1234-5678-9012^^^ABHA^ABHA||Rao^Asha||19800101|F"
PV1 = "PV1|1|I|W1^01^A^CITYHOSP||||PR100^Iyer^Ravi||||||||||||IP000042"


def ft1(n: int | str, kind: str = "CG", code: str = "RM-WARD^Ward bed-day^ARGHIS", qty: str = "1",
        amount: str = "2500.00&INR", unit: str = "", bill: str = "B-1", date: str = "20261004093000+0530",
        extra: tuple[str, ...] = ()) -> str:  # fmt: skip
    fields = ["FT1", str(n), f"T{n}", bill, date, "", kind, code, "", "", qty, amount, unit, "GEN"]
    fields += ["", "", "", "", "", "", "PR100^Iyer^Ravi", "PR200", *extra]
    return "|".join(fields).rstrip("|")


def dft(ctrl: str = "BIL0001", *lines: str, kind: str = "FINAL", msh9: str = "DFT^P03^DFT_P03",
        pid: str = PID, pv1: str = PV1, charset: str = "") -> str:  # fmt: skip
    msh = ["MSH", "^~\\&", "ARGHIS", "CITYHOSP", "MYMEDIC", "t", "20261005101500+0530", "", msh9, ctrl, "P",
           "2.5", "", "", "", "", "", charset]  # fmt: skip
    segments = ["|".join(msh).rstrip("|"), f"EVN|P03|20261005101500+0530||{kind}", pid, pv1]
    return "\r".join([s for s in segments if s] + list(lines or (ft1(1),)))


def write(tmp_path: Path, name: str, *messages: str, data: bytes | None = None) -> Path:
    path = tmp_path / "billing" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if data is not None else "\r".join(messages).encode() + b"\r")
    return path


def tenant_of(path: Path) -> str:
    return next(p.name for p in path.parents if p.name.startswith("test_"))


def load(warehouse: Warehouse, path: Path) -> BatchResult:
    result = load_file(warehouse, FEED, path, LoadContext(tenant_of(path)), source=str(path))
    assert result.conserved
    return result


def lines(warehouse: Warehouse, path: Path, columns: str) -> list[tuple]:
    return warehouse.rows(
        f"select {columns} from raw.hl7_charge_lines where _source_file = {{f:String}} "
        "order by message_id, line_number",
        {"f": str(path)},
    )


def reasons(warehouse: Warehouse, path: Path) -> list[str]:
    return [
        r[0]
        for r in warehouse.rows(
            "select reason from raw.quarantine where feed = 'billing_hl7' and _source_file = {f:String} "
            "order by _source_line",
            {"f": str(path)},
        )
    ]


@pytest.fixture
def wh(warehouse: Warehouse) -> Warehouse:
    create_raw_tables(warehouse)
    return warehouse


def test_a_final_bill_loads_every_column_of_each_charge_line(wh: Warehouse, tmp_path: Path) -> None:
    message = dft(
        "BIL0001",
        ft1(1, qty="3", amount="7500.00&INR", unit="2500.00&INR"),
        ft1(2, code="PHARM^Pharmacy issue", amount="1234.5"),  # no coding system, no currency
        ft1(3, kind="CD", code="CONC^Concession^ARGHIS", amount="-500.00&INR"),
        ft1(4, kind="PY", code="RCPT^Payment received", amount="8234.50&INR", date="20261005"),
        ft1(5, kind="AJ", code="ROUND", qty="", amount="", unit="-0.50&INR"),
    )
    path = write(tmp_path, "bill.hl7", message)
    result = load(wh, path)
    assert (result.rows_loaded, result.rows_quarantined) == (5, 0)
    cols = (
        "tenant_id, sender, message_id, line_number, message_time, patient_ids, mrn, abha_number, visit_number, "
        "bill_number, bill_kind, transaction_id, transaction_time, transaction_type, service_code, service_text, "
        "service_coding_system, quantity, amount_paise, unit_amount_paise, department, performing_doctor, "
        "ordering_doctor, hl7_version, raw"
    )
    got = [dict(zip([c.strip() for c in cols.split(",")], r, strict=True)) for r in lines(wh, path, cols)]
    first = got[0]
    assert json.loads(first.pop("patient_ids")) == [
        {"id": "MR0001", "authority": "ARGHIS", "type": "MR"},
        {"id": "91-1234-5678-9012", "authority": "ABHA", "type": "ABHA"},
    ]
    assert first.pop("raw") == message
    assert first == {
        "tenant_id": tenant_of(path),
        "sender": "ARGHIS^CITYHOSP",
        "message_id": "BIL0001",
        "line_number": 1,
        "message_time": datetime(2026, 10, 5, 4, 45),
        "mrn": "MR0001",
        "abha_number": "91-1234-5678-9012",
        "visit_number": "IP000042",
        "bill_number": "B-1",
        "bill_kind": "final",
        "transaction_id": "T1",
        "transaction_time": datetime(2026, 10, 4, 4, 0),
        "transaction_type": "CG",
        "service_code": "RM-WARD",
        "service_text": "Ward bed-day",
        "service_coding_system": "ARGHIS",
        "quantity": Decimal(3),
        "amount_paise": 750000,
        "unit_amount_paise": 250000,
        "department": "GEN",
        "performing_doctor": "PR100",
        "ordering_doctor": "PR200",
        "hl7_version": "2.5",
    }
    money = [
        (g["transaction_type"], g["service_code"], g["amount_paise"], g["unit_amount_paise"]) for g in got
    ]
    assert money == [
        ("CG", "RM-WARD", 750000, 250000),
        ("CG", "PHARM", 123450, None),  # "1234.5" rupees: 123450 paise exactly
        ("CD", "CONC", -50000, None),  # signed as written
        ("PY", "RCPT", 823450, None),
        ("AJ", "ROUND", -50, -50),  # no extended amount: the unit amount times the quantity (1)
    ]
    assert got[3]["transaction_time"] == datetime(2026, 10, 4, 18, 30)  # a date alone: IST midnight


def test_the_bill_kind_comes_from_evn_4_and_is_interim_when_not_given(wh: Warehouse, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "kinds.hl7",
        dft("M1", ft1(1), kind="INTERIM"),
        dft("M2", ft1(1), kind=""),
        dft("M3", ft1(1), kind="F"),
    )
    load(wh, path)
    assert lines(wh, path, "message_id, bill_kind") == [("M1", "interim"), ("M2", "interim"), ("M3", "final")]


def test_batch_and_mllp_files_load_and_a_resent_message_is_stored_once(wh: Warehouse, tmp_path: Path) -> None:
    a, b = dft("M1", ft1(1), ft1(2)), dft("M2", ft1(1))
    batch = "FHS|^~\\&|ARGHIS|X\rBHS|^~\\&|ARGHIS|X\r" + a + "\r" + b + "\rBTS|2\rFTS|1\r"
    first = load(wh, write(tmp_path, "batch.hl7", data=batch.encode()))
    assert (first.rows_read, first.rows_loaded) == (3, 3)
    framed = b"".join(b"\x0b" + m.encode() + b"\r\x1c\r" for m in (b, dft("M3", ft1(1))))
    second = load(wh, write(tmp_path, "mllp.hl7", data=framed))
    assert (second.rows_loaded, second.rows_skipped) == (1, 1)  # M2 again: the same key, skipped
    count = wh.rows(
        "select count() from raw.hl7_charge_lines where tenant_id = {t:String}",
        {"t": tenant_of(tmp_path / "x")},
    )
    assert count == [(4,)]


BAD = [
    (dft("X1", ft1(1), msh9="DFT^P11^DFT_P11"), "not a DFT^P03 charge message (MSH-9 is DFT^P11)"),
    (dft("X2", ft1(1), msh9="ADT^A01^ADT_A01"), "not a DFT^P03 charge message (MSH-9 is ADT^A01)"),
    (dft("X3", ft1(1, amount="12,34.5x&INR")), "FT1 #1: FT1-11 extended amount '12,34.5x' is not an amount"),
    (dft("X4", ft1(1, amount="10.005")), "FT1-11 extended amount '10.005' is not an amount in rupees"),
    (dft("X5", ft1(1, amount="10.00&USD")), "FT1 #1: FT1-11 currency 'USD' is not INR"),
    (dft("X6", ft1(1, amount="", unit="")), "FT1-11 extended amount and FT1-12 unit amount are both empty"),
    (dft("X7", ft1(1, kind="ZZ")), "FT1-6 transaction type 'ZZ' is not CG (charge)"),
    (dft("X8", ft1(1, code="")), "FT1-7 transaction code (the service code) is empty"),
    (dft("X9", ft1(1, bill="")), "FT1-3 transaction batch id (the bill number) is empty"),
    (dft("X10", ft1(1, date="")), "FT1-4 is empty; expected an HL7 timestamp"),
    (dft("X11", ft1(1, qty="1.2345")), "FT1-10 quantity '1.2345' is not a number with at most 3 decimals"),
    (dft("X12", ft1(1), ft1(1)), "FT1-1 set id 1 is repeated in the message"),
    (dft("X13", ft1(1), kind="CLOSED"), "EVN-4 event reason 'CLOSED' is not a bill kind"),
    (dft("X14", ft1(1), pv1=""), "PV1-19 visit number is empty or PV1 is missing"),
    (dft("X15", ft1(1), pid="PID|1||"), "PID-3 has no identifier"),
    ("\r".join(dft("X16").split("\r")[:4]), "DFT^P03 has no FT1 segment (no charge line)"),
    (dft("", ft1(1)), "MSH-10 control id is empty"),
    (dft("X18", ft1(1), charset="EBCDIC"), "MSH-18 character set 'EBCDIC' is not one this feed reads"),
]


@pytest.mark.parametrize(("message", "reason"), BAD, ids=[m.split("|")[9] or "no-id" for m, _ in BAD])
def test_a_bad_message_is_quarantined_whole_with_its_reason(
    wh: Warehouse, tmp_path: Path, message: str, reason: str
) -> None:
    good = dft("G1", ft1(1), ft1(2))
    path = write(tmp_path, "mixed.hl7", good, message)
    result = load(wh, path)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)  # the good message around it loads
    [why] = reasons(wh, path)
    assert reason in why


def test_a_multi_line_message_with_one_bad_line_loads_none_of_its_lines(
    wh: Warehouse, tmp_path: Path
) -> None:
    path = write(tmp_path, "partial.hl7", dft("P1", ft1(1), ft1(2, amount="abc")))
    result = load(wh, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (1, 0, 1)
    assert lines(wh, path, "line_number") == []
    assert reasons(wh, path) == [
        "FT1 #2: FT1-11 extended amount 'abc' is not an amount in rupees (at most 2 decimals)"
    ]
