"""HL7 v2 ADT files through the real loader into a real chDB warehouse: hand-built messages for each edge the
feed covers (written here from the HL7 v2 spec: ADT_A01 MSH/EVN/PID/PV1, A17's two PID-PV1 groups, A40's
MRG, batch FHS/BHS envelopes, MLLP framing) and the bad messages that must be quarantined with a reason."""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import date, datetime
from pathlib import Path

import pytest

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.adt_hl7 import FEED as HL7_FEED
from ingestion.loader import BatchResult, load_file
from ingestion.tables import create_raw_tables

SEP = "\r"


def pv1(**fields: str) -> str:
    """A PV1 segment with the given fields set (f2 = PV1-2 patient class, f19 = visit number, ...)."""
    values = [""] * 46
    for name, value in fields.items():
        values[int(name[1:])] = value
    return "PV1|" + "|".join(values[1:]).rstrip("|")


def message(
    ctrl: str = "MSG0001",
    trigger: str = "A01",
    *,
    version: str = "2.5",
    time: str = "20261005103000+0530",
    msh9: str | None = None,
    charset: str = "",
    pid3: str = "MRN001^^^CITYHOSP^MR",
    pid5: str = "Sharma^Asha",
    body: tuple[str, ...] | None = None,
    extra: tuple[str, ...] = (),
) -> str:
    msh = [
        "MSH", "^~\\&", "HIS", "CITYHOSP", "MYMEDIC", "MYMEDIC", time, "", msh9 or f"ADT^{trigger}^ADT_A01",
        ctrl, "P", version, "", "", "", "", "", charset,
    ]  # fmt: skip
    segments = ["|".join(msh).rstrip("|")]
    segments.append(f"EVN|{trigger}|20261005102500||||20261005102000")
    if body is None:
        body = (
            f"PID|1||{pid3}||{pid5}||19800101|F",
            pv1(
                f2="I",
                f3="W1^101^A^CITYHOSP",
                f7="D100^Rao^Vikram",
                f10="MED",
                f19="V100",
                f44="20261005100000",
            ),
        )
    segments += [*body, *extra]
    return SEP.join(segments)


def write(tmp_path: Path, name: str, *messages: str, end: str = "\r") -> Path:
    path = tmp_path / "adt" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(end.join(m.replace("\r", end) for m in messages).encode() + end.encode())
    return path


def tenant_of(path: Path) -> str:
    """One tenant per test (the warehouse is shared by the module): named after the test's tmp folder."""
    return next(p.name for p in path.parents if p.name.startswith("test_"))


def load(warehouse: Warehouse, path: Path) -> BatchResult:
    result = load_file(warehouse, HL7_FEED, path, LoadContext(tenant_of(path)), source=str(path))
    assert result.conserved
    return result


def rows(warehouse: Warehouse, source: Path, columns: str) -> list[tuple]:
    """The rows loaded from `source` (times come back as naive UTC)."""
    return warehouse.rows(
        f"select {columns} from raw.adt_hl7_events where _source_file = {{f:String}} order by _source_line, message_id",
        {"f": str(source)},
    )


def reasons(warehouse: Warehouse, source: Path) -> dict[int, str]:
    return dict(
        warehouse.rows(
            "select _source_line, reason from raw.quarantine where feed = 'adt_hl7' and _source_file = {f:String}",
            {"f": str(source)},
        )
    )


@pytest.fixture
def wh(warehouse: Warehouse) -> Warehouse:
    create_raw_tables(warehouse)
    return warehouse


def test_an_admission_loads_every_column(wh: Warehouse, tmp_path: Path) -> None:
    pid3 = "MRN001^^^CITYHOSP^MR~91-1234-5678-9012^^^ABHA^ABHA~XXXXXXXX1234^^^UIDAI&2.16.356&ISO^NI"
    body = (
        f"PID|1||{pid3}||Sharma^Asha^K||19800101|F",
        pv1(
            f2="I",
            f3="W1^101^A^CITYHOSP&1.2&ISO",
            f6="ER^1^2",
            f7="D100^Rao^Vikram",
            f10="MED",
            f19="V100^^^CITYHOSP^VN",
            f36="01",
            f44="20261005100000",
            f45="20261009120000.25+0000",
        ),
        "ZPI|custom|anything^goes~here",  # a Z-segment: kept in raw, never read
    )
    path = write(tmp_path, "a01.hl7", message(body=body))
    result = load(wh, path)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 0)
    cols = (
        "tenant_id, sender, message_id, message_time, event_type, event_time, patient_ids, mrn, abha_number, "
        "patient_name, birth_date, sex, patient_class, visit_number, location, prior_location, department, "
        "attending_doctor, admit_time, discharge_time, discharge_disposition, merged_mrn, hl7_version, raw"
    )
    [row] = rows(wh, path, cols)
    got = dict(zip([c.strip() for c in cols.split(",")], row, strict=True))
    assert json.loads(got.pop("patient_ids")) == [
        {"id": "MRN001", "authority": "CITYHOSP", "type": "MR"},
        {"id": "91-1234-5678-9012", "authority": "ABHA", "type": "ABHA"},
        {"id": "XXXXXXXX1234", "authority": "UIDAI", "type": "NI"},
    ]
    assert got.pop("raw").split("\r")[-1] == "ZPI|custom|anything^goes~here"
    assert got == {
        "tenant_id": tenant_of(path),
        "sender": "HIS^CITYHOSP",
        "message_id": "MSG0001",
        "message_time": datetime(2026, 10, 5, 5, 0),  # +0530 given
        "event_type": "A01",
        "event_time": datetime(2026, 10, 5, 4, 50),  # EVN-6 with no offset: IST
        "mrn": "MRN001",
        "abha_number": "91-1234-5678-9012",
        "patient_name": "Sharma^Asha",
        "birth_date": date(1980, 1, 1),
        "sex": "F",
        "patient_class": "I",
        "visit_number": "V100",
        "location": "W1^101^A^CITYHOSP",
        "prior_location": "ER^1^2",
        "department": "MED",
        "attending_doctor": "D100",
        "admit_time": datetime(2026, 10, 5, 4, 30),
        "discharge_time": datetime(2026, 10, 9, 12, 0, 0, 250000),
        "discharge_disposition": "01",
        "merged_mrn": "",
        "hl7_version": "2.5",
    }
    assert load(wh, path).rows_loaded == 0


@pytest.mark.parametrize("end", ["\r", "\n", "\r\n"], ids=["cr", "lf", "crlf"])
def test_segment_ends(wh: Warehouse, tmp_path: Path, end: str) -> None:
    path = write(tmp_path, f"ends_{end.encode().hex()}.hl7", message("E1"), message("E2", "A03"), end=end)
    assert load(wh, path).rows_loaded == 2
    assert rows(wh, path, "message_id, event_type, visit_number, admit_time") == [
        ("E1", "A01", "V100", datetime(2026, 10, 5, 4, 30)),
        ("E2", "A03", "V100", datetime(2026, 10, 5, 4, 30)),
    ]
    # the raw message is stored with \r segment ends whatever the file used
    assert all("\n" not in r for (r,) in rows(wh, path, "raw"))


def test_versions_2_3_to_2_8(wh: Warehouse, tmp_path: Path) -> None:
    versions = ["2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.2", "2.2", "3.0"]
    path = write(tmp_path, "versions.hl7", *(message(f"V{i}", version=v) for i, v in enumerate(versions)))
    result = load(wh, path)
    assert (result.rows_loaded, result.rows_quarantined) == (10, 2)
    assert [v for (v,) in rows(wh, path, "hl7_version")] == versions[:10]
    assert sorted(reasons(wh, path).values()) == [
        "MSH-12 version '2.2' is not HL7 v2.3 to v2.8",
        "MSH-12 version '3.0' is not HL7 v2.3 to v2.8",
    ]


def test_escape_sequences_and_repetitions(wh: Warehouse, tmp_path: Path) -> None:
    body = (
        # family name with every separator escaped and a hex-escaped 'A'; a second name repetition is ignored
        "PID|1||MRN\\T\\7^^^CITY\\S\\HOSP^MR~ABHA-9^^^NHA^ABHA||D\\F\\S\\R\\O\\E\\\\X41\\^Ravi~Alias^Other",
        pv1(f2="O", f3="OPD\\T\\1^R\\F\\2", f19="V7"),
    )
    path = write(tmp_path, "escapes.hl7", message(body=body))
    assert load(wh, path).rows_loaded == 1
    [(ids, mrn, abha, name, location)] = rows(
        wh, path, "patient_ids, mrn, abha_number, patient_name, location"
    )
    assert name == "D|S~O\\A^Ravi"
    assert (mrn, abha, location) == ("MRN&7", "ABHA-9", "OPD&1^R|2")
    assert json.loads(ids)[0] == {"id": "MRN&7", "authority": "CITY^HOSP", "type": "MR"}


def test_hex_escapes_are_bytes_in_the_message_character_set(wh: Warehouse, tmp_path: Path) -> None:
    utf8 = message("H1", charset="UNICODE UTF-8", pid5="Gon\\XC3A7\\alves^Jos\\XC3A9\\")
    latin = message("H2", charset="8859/1", pid5="Gon\\XE7\\alves^Jos\\XE9\\")
    mixed = message("H3", pid5="A\\X41\\\\T\\B^\\X7C\\")  # \X7C\ is a literal '|', not a separator
    path = write(tmp_path, "hex.hl7", utf8, latin, mixed)
    assert load(wh, path).rows_loaded == 3
    assert rows(wh, path, "patient_name") == [("Gonçalves^José",), ("Gonçalves^José",), ("AA&B^|",)]


def test_character_sets_with_a_latin1_fallback(wh: Warehouse, tmp_path: Path) -> None:
    latin = message("C1", charset="8859/1", pid5="Gonçalves^José").encode("latin-1")
    utf8 = message("C2", charset="UNICODE UTF-8", pid5="Gonçalves^José").encode()
    declared_utf8_but_latin = message("C3", charset="UNICODE UTF-8", pid5="Gonçalves^José").encode("latin-1")
    undeclared_latin = message("C4", pid5="Gonçalves^José").encode("latin-1")
    ascii_declared_latin = message("C5", charset="ASCII", pid5="Gonçalves^José").encode("latin-1")
    unknown = message("C6", charset="EBCDIC").encode()
    path = tmp_path / "adt" / "charsets.hl7"
    path.parent.mkdir(parents=True)
    path.write_bytes(
        b"\r".join([latin, utf8, declared_utf8_but_latin, undeclared_latin, ascii_declared_latin, unknown])
    )
    result = load(wh, path)
    assert (result.rows_loaded, result.rows_quarantined) == (5, 1)
    assert rows(wh, path, "message_id, patient_name") == [(f"C{i}", "Gonçalves^José") for i in range(1, 6)]
    [reason] = reasons(wh, path).values()
    assert reason.startswith("MSH-18 character set 'EBCDIC' is not one this feed reads")


def test_every_trigger_event(wh: Warehouse, tmp_path: Path) -> None:
    triggers = [f"A{n:02d}" for n in range(1, 14)] + ["A28", "A31", "A60"]
    messages = [message(f"T{t}", t) for t in triggers]
    # A08 carries the A01 structure (MSH-9.3 ADT_A01), A28/A31 a person with an empty PV1, A60 no PV1 at all
    messages.append(message("TA08b", msh9="ADT^A08^ADT_A01"))
    messages.append(message("TA28b", "A28", body=("PID|1||MRN9^^^CITYHOSP^MR||Iyer^Lata", "PV1|1|N")))
    messages.append(
        message("TA60b", "A60", body=("PID|1||MRN9^^^CITYHOSP^MR||Iyer^Lata", "IAM|1|DA|1605^Penicillin"))
    )
    path = write(tmp_path, "triggers.hl7", *messages)
    result = load(wh, path)
    assert (result.rows_loaded, result.rows_quarantined) == (len(messages), 0)
    got = rows(wh, path, "message_id, event_type, mrn, visit_number")
    assert [(m, e) for m, e, _, _ in got] == [(f"T{t}", t) for t in triggers] + [
        ("TA08b", "A08"), ("TA28b", "A28"), ("TA60b", "A60"),
    ]  # fmt: skip
    assert got[-1][2:] == ("MRN9", "")


def test_a17_swap_is_two_rows_and_a40_names_the_merged_mrn(wh: Warehouse, tmp_path: Path) -> None:
    swap = message(
        "SW1",
        "A17",
        body=(
            "PID|1||MRN001^^^CITYHOSP^MR||Sharma^Asha",
            pv1(f2="I", f3="W1^101^A", f19="V100"),
            "PID|2||MRN002^^^CITYHOSP^MR||Khan^Imran",
            pv1(f2="I", f3="W1^102^B", f19="V200"),
        ),
    )
    merge = message(
        "MG1",
        "A40",
        body=(
            "PID|1||MRN001^^^CITYHOSP^MR||Sharma^Asha",
            "PD1|||",
            "MRG|MRN777^^^CITYHOSP^MR~OLD1^^^LEGACY^PI",
        ),
    )
    merges = message(
        "MG2",
        "A40",
        body=(
            "PID|1||MRN001^^^CITYHOSP^MR||Sharma^Asha",
            "MRG|MRN778^^^CITYHOSP^MR",
            "PID|1||MRN003^^^CITYHOSP^MR||Das^Rina",
            "MRG|MRN779^^^CITYHOSP^MR",
        ),
    )
    path = write(tmp_path, "swap_merge.hl7", swap, merge, merges)
    assert load(wh, path).rows_loaded == 5
    assert rows(wh, path, "message_id, event_type, mrn, location, visit_number, merged_mrn") == [
        ("SW1#1", "A17", "MRN001", "W1^101^A", "V100", ""),
        ("SW1#2", "A17", "MRN002", "W1^102^B", "V200", ""),
        ("MG1", "A40", "MRN001", "", "", "MRN777"),
        ("MG2#1", "A40", "MRN001", "", "", "MRN778"),
        ("MG2#2", "A40", "MRN003", "", "", "MRN779"),
    ]
    # each row sits at its own position: the message's MSH, or for a multi-patient message each PID
    assert [line for (line,) in rows(wh, path, "_source_line")] == [3, 5, 7, 14, 16]


def test_bad_messages_are_quarantined_with_a_reason(wh: Warehouse, tmp_path: Path) -> None:
    cases = {
        "MSH-10 control id is empty": message(""),
        "not an ADT message (MSH-9 is ORU^R01)": message("B2", msh9="ORU^R01"),
        "PID-3 has no identifier": message("B3", pid3=""),
        "MSH-7 '2024133' is not an HL7 timestamp (YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ])": message(
            "B4", time="2024133"
        ),
        "MSH-7 '20241301' is not an HL7 timestamp (no such date or time)": message("B5", time="20241301"),
        "ADT trigger event A14 is not one this feed reads (A01-A13, A17, A28, A31, A40, A60)": message(
            "B6", "A14"
        ),
        "ADT^A01 has no PV1 segment (patient visit)": message("B7", body=("PID|1||MRN1^^^H^MR",)),
        "ADT^A17 swap must name two patients (two PID segments), found 1": message("B8", "A17"),
        "ADT^A40 merge has no prior patient identifier (MRG-1)": message("B9", "A40"),
        "ADT^A03 has no PID segment (patient identification)": message("B10", "A03", body=(pv1(f2="I"),)),
        "PV1-44 '2026-10-05' is not an HL7 timestamp (YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ])": message(
            "B11", body=("PID|1||MRN1^^^H^MR", pv1(f2="I", f44="2026-10-05"))
        ),
        "PID-7 birth date is not an HL7 date (YYYY[MM[DD]]...)": message(
            "B12", body=("PID|1||MRN1^^^H^MR||X^Y||1980-01-01", pv1(f2="I"))
        ),
        # in UTC past year 9999: Python's datetime can't hold it
        "MSH-7 '99991231235959-2359' is outside 1900-2299, what the warehouse holds": message(
            "B13", time="99991231235959-2359"
        ),
    }
    good = message("G1")
    path = tmp_path / "adt" / "bad.hl7"
    path.parent.mkdir(parents=True)
    # segments before any MSH are not a message either
    path.write_text("PID|1||ORPHAN^^^H^MR\r" + "\r".join([good, *cases.values()]) + "\r")
    result = load(wh, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        len(cases) + 2,
        1,
        len(cases) + 1,
    )
    got = reasons(wh, path)
    assert got.pop(1) == "segment(s) PID before any MSH header: not part of a message"
    assert sorted(got.values()) == sorted(cases)


def test_batch_file_and_mllp_framed_file(wh: Warehouse, tmp_path: Path) -> None:
    batch = "\r".join(
        [
            "FHS|^~\\&|HIS|CITYHOSP|||20261005110000",
            "BHS|^~\\&|HIS|CITYHOSP|||20261005110000",
            message("BA1"),
            message("BA2", "A02"),
            "BTS|2",
            "FTS|1",
        ]
    )
    path = write(tmp_path, "batch.hl7", batch, end="\n")
    result = load(wh, path)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 0)
    assert [m for (m,) in rows(wh, path, "message_id")] == ["BA1", "BA2"]
    assert "file header FHS line 1" in result.note and "batch trailer BTS line 11" in result.note

    framed = tmp_path / "adt" / "mllp" / "framed.hl7"
    framed.parent.mkdir(parents=True)
    framed.write_bytes(b"".join(b"\x0b" + message(c).encode() + b"\r\x1c\r" for c in ("ML1", "ML2")))
    assert framed in HL7_FEED.files(tmp_path)  # the listener's spool is the feed's too
    result = load(wh, framed)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 0)
    assert [m for (m,) in rows(wh, framed, "message_id")] == ["ML1", "ML2"]

    broken = write(tmp_path, "broken_frame.hl7", "")
    broken.write_bytes(
        b"\x0b" + message("ML3").encode() + b"\x1c\r" + b"garbage\r" + b"\x0b" + message("ML4").encode()
    )
    result = load(wh, broken)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
    assert sorted(reasons(wh, broken).values()) == [
        "MLLP frame is not closed (no \\x1c after \\x0b)",
        "bytes outside any MLLP frame (\\x0b ... \\x1c\\r)",
    ]


def test_a_control_id_from_one_sender_loads_once(wh: Warehouse, tmp_path: Path) -> None:
    first = write(tmp_path, "dup1.hl7", message("D1"), message("D1"), message("D2"))
    assert (load(wh, first).rows_loaded, load(wh, first).rows_loaded) == (2, 0)
    # re-sent in another file: nothing added; a changed body under the same id is quarantined, not loaded
    again = write(tmp_path, "dup2.hl7", message("D1"), message("D2", "A08"), message("D3"))
    result = load(wh, again)
    assert (result.rows_loaded, result.rows_skipped, result.rows_quarantined) == (1, 1, 1)
    assert "with different values; not loaded again" in reasons(wh, again)[5]
    # the same control id from another sender (MSH-4) is another message
    other = write(tmp_path, "dup3.hl7", message("D1").replace("|CITYHOSP|MYMEDIC", "|TOWNHOSP|MYMEDIC", 1))
    assert load(wh, other).rows_loaded == 1
    counts = wh.rows(
        "select sender, count() from raw.adt_hl7_events where message_id = 'D1' group by sender order by sender"
    )
    assert counts == [("HIS^CITYHOSP", 1), ("HIS^TOWNHOSP", 1)]


def test_what_a_fuzz_run_found(wh: Warehouse, tmp_path: Path) -> None:
    """Mangled messages from a mutation fuzz of these tests' messages and the corpus: each is one record,
    loaded or quarantined, never a failed file."""
    cases = [
        # a segment named PIDX is not a PID (a segment is named by what precedes its first separator): the
        # message has no PID, and PIDX stays in raw like any unknown segment
        message("Z1", body=("PIDX|1||MRN1^^^H^MR", pv1(f2="I"))),
        # the field separator lost from MSH: MSH-1 is then a letter, no separator declared
        "MSHA^~\\&|HIS|CITYHOSP|||20261005103000||ADT^A01|Z2|P|2.5\rPID|1||MRN1^^^H^MR\rPV1|1|I",
        # an EVN whose separators ran together
        message("Z3").replace("EVN|A01|20261005102500||||20261005102000", "EVN|A0120261005102500||||2026"),
    ]
    path = write(tmp_path, "fuzz.hl7", *cases)
    result = load(wh, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 1, 2)
    assert sorted(reasons(wh, path).values()) == [
        "ADT^A01 has no PID segment (patient identification)",
        "MSH segment does not declare its separators (MSH-1, MSH-2)",
    ]
    [(ctrl, event_time)] = rows(wh, path, "message_id, event_time")
    assert (ctrl, event_time) == ("Z3", None)  # EVN-2 and EVN-6 are then empty: no event time, not a bad one


def test_no_patient_value_reaches_a_log(
    wh: Warehouse, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """python-hl7 logs the whole field when it meets an escape it does not know; that field is PHI. Still so
    after a logging.config.dictConfig (Dagster and uvicorn call it), which re-enables every existing logger."""
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    caplog.set_level(logging.DEBUG)
    body = ("PID|1||MRN1^^^H^MR||Secretname\\Zunknown\\^Asha", pv1(f2="I"))
    path = write(tmp_path, "escape.hl7", message("L1", body=body))
    assert load(wh, path).rows_loaded == 1
    assert rows(wh, path, "patient_name") == [("Secretname^Asha",)]
    assert "Secretname" not in caplog.text
