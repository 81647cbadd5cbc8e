"""The ADT episode model through real dbt on chDB: hand-built ADT events in the three wire formats' raw
tables (their readers are not needed: the rows are what a reader would store), the mapping tables, and
bookings and payments. Every visit exercises one rule of docs/adt-episodes.md; the expected episodes
and daily figures are worked out by hand in the comments, not by the code under test.

Times are UTC; IST is UTC+05:30.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from dbt_runner import dbt_failure, run_dbt, run_results
from dbt_scenario import commit

from core.settings import WarehouseSettings, warehouse_settings
from core.warehouse import Warehouse, open_warehouse
from ingestion.adt_event import ADT_EVENT_COLUMNS
from ingestion.feeds.adt_csv.spec import EVENTS as ADT_CSV_EVENTS
from ingestion.feeds.adt_fhir.spec import EVENTS as ADT_FHIR_EVENTS
from ingestion.feeds.adt_hl7.spec import EVENTS as ADT_HL7_EVENTS
from ingestion.feeds.booking_events.spec import EVENTS as BOOKING_EVENTS
from ingestion.feeds.reference import spec as reference
from ingestion.spec import TableSpec as RawTable
from ingestion.tables import create_raw_tables

TENANT = "t_adt"
HL7, CSV, FHIR = "HIS^BLR", "his_export", "his_fhir"
MARTS = ("fct_adt_events", "fct_patient_episodes", "fct_branch_daily_adt", "unmapped_codes")
FIRST_LOAD = datetime(2026, 11, 9, tzinfo=UTC)
RESENT_LOAD = datetime(2026, 11, 9, 1, tzinfo=UTC)
LATER_LOAD = datetime(2026, 11, 10, tzinfo=UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def load(warehouse: Warehouse, table: RawTable, batch: str, rows: list[dict[str, Any]], at: datetime) -> None:
    """Insert `rows` as one committed load batch, as the loader would."""
    names = [*table.column_names, "_batch_id", "_source_file", "_source_line", "_loaded_at"]
    data = [[*(row[n] for n in table.column_names), batch, f"{batch}.test", line, at] for line, row in
            enumerate(rows, 1)]  # fmt: skip
    warehouse.client.insert(f"{warehouse.db('raw')}.{table.name}", data, column_names=names)
    commit(warehouse, batch, table.name, len(rows))


# --- ADT events -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Adt:
    sender: str
    message_id: str
    event_type: str
    at: str  # message time (and event time), UTC
    visit: str = ""
    mrn: str = ""
    patient_class: str = ""
    location: str = ""
    prior_location: str = ""
    department: str = ""
    doctor: str = ""
    admit: str = ""
    discharge: str = ""
    disposition: str = ""
    merged_mrn: str = ""

    def row(self) -> dict[str, Any]:
        values: dict[str, Any] = {c.name: "" for c in ADT_EVENT_COLUMNS}
        values.update(
            tenant_id=TENANT, sender=self.sender, message_id=self.message_id, message_time=utc(self.at),
            event_type=self.event_type, event_time=utc(self.at),
            patient_ids=json.dumps([{"id": self.mrn, "authority": "HIS", "type": "MR"}]), mrn=self.mrn,
            patient_name="DOE^JANE", birth_date=None, sex="F", patient_class=self.patient_class,
            visit_number=self.visit, location=self.location, prior_location=self.prior_location,
            department=self.department, attending_doctor=self.doctor,
            admit_time=utc(self.admit) if self.admit else None,
            discharge_time=utc(self.discharge) if self.discharge else None,
            discharge_disposition=self.disposition, merged_mrn=self.merged_mrn, raw=f"MSH|{self.message_id}",
        )  # fmt: skip
        return values


# V1: an OPD visit, a single A04, booked (bk_1); the HIS re-sent the message (loaded again, later)
V1 = [Adt(HL7, "H-V1-1", "A04", "2026-11-02 05:10", "V1", "MRN1", "O", "OPD1^R1^^BLR", "", "GEN", "P100",
          admit="2026-11-02 05:10")]  # fmt: skip
# V2: an admission; two transfers, the second cancelled by an A12; an A08 corrects the attending doctor
# (P200) and the admit time (04:00, not 04:30); discharged on the 6th
V2 = [
    Adt(HL7, "H-V2-1", "A01", "2026-11-03 04:30", "V2", "MRN3", "I", "WARD1^101^A^BLR", "", "GEN", "P100",
        admit="2026-11-03 04:30"),
    Adt(HL7, "H-V2-2", "A02", "2026-11-04 06:00", "V2", "MRN3", "I", "WARD1^102^A^BLR", "WARD1^101^A^BLR",
        "GEN", "P100"),
    Adt(HL7, "H-V2-3", "A02", "2026-11-04 08:00", "V2", "MRN3", "I", "WARD1^103^A^BLR", "WARD1^102^A^BLR",
        "GEN", "P100"),
    Adt(HL7, "H-V2-4", "A12", "2026-11-04 08:30", "V2", "MRN3", "I", "WARD1^103^A^BLR", "", "GEN", "P100"),
    Adt(HL7, "H-V2-5", "A08", "2026-11-04 09:00", "V2", "MRN3", "I", "WARD1^102^A^BLR", "", "GEN", "P200",
        admit="2026-11-03 04:00"),
    Adt(HL7, "H-V2-6", "A03", "2026-11-06 05:00", "V2", "MRN3", "I", "WARD1^102^A^BLR", "", "GEN", "P200",
        discharge="2026-11-06 05:00", disposition="01"),
]  # fmt: skip
# V3: an OPD visit by CSV under MRN4, which no mapping names; an A40 (HL7) then merges MRN4 into MRN2 (pt_2)
V3 = [
    Adt(CSV, "C-V3-1", "A04", "2026-11-05 06:00", "V3", "MRN4", "O", "OPD1^R2^^BLR", "", "GEN", "P100"),
    Adt(HL7, "H-A40-1", "A40", "2026-11-05 07:00", "", "MRN2", merged_mrn="MRN4"),
]  # fmt: skip
# V4: its A03 arrived, its A01 not yet: no episode (held); the A01 comes with the later load
V4_DISCHARGE = Adt(HL7, "H-V4-2", "A03", "2026-11-02 10:00", "V4", "MRN1", "I", "WARD1^104^A^BLR", "", "GEN",
                   "P100", discharge="2026-11-02 10:00", disposition="01")  # fmt: skip
V4_ADMIT = Adt(HL7, "H-V4-1", "A01", "2026-11-01 08:00", "V4", "MRN1", "I", "WARD1^104^A^BLR", "", "GEN",
               "P100", admit="2026-11-01 08:00")  # fmt: skip
# V5: admitted, then the admission cancelled (A11): no episode
V5 = [
    Adt(HL7, "H-V5-1", "A01", "2026-11-06 03:00", "V5", "MRN3", "I", "WARD1^107^A^BLR", "", "GEN", "P100",
        admit="2026-11-06 03:00"),
    Adt(HL7, "H-V5-2", "A11", "2026-11-06 03:30", "V5", "MRN3", "I", "WARD1^107^A^BLR", "", "GEN", "P100"),
]  # fmt: skip
# V6: admitted, a bed swap (A17), a discharge and its cancel (A13) with the same message time: the control
# id orders them (H-V6-3 before H-V6-4), so the discharge is void and the patient still admitted. The A13
# is stored first: load order must not matter.
V6 = [
    Adt(HL7, "H-V6-4", "A13", "2026-11-08 06:00", "V6", "MRN1", "I", "WARD1^106^A^BLR", "", "GEN", "P100"),
    Adt(HL7, "H-V6-1", "A01", "2026-11-07 05:00", "V6", "MRN1", "I", "WARD1^105^A^BLR", "", "GEN", "P100",
        admit="2026-11-07 05:00"),
    Adt(HL7, "H-V6-2", "A17", "2026-11-07 12:00", "V6", "MRN1", "I", "WARD1^106^A^BLR", "WARD1^105^A^BLR",
        "GEN", "P100"),
    Adt(HL7, "H-V6-3", "A03", "2026-11-08 06:00", "V6", "MRN1", "I", "WARD1^106^A^BLR", "", "GEN", "P100",
        discharge="2026-11-08 06:00", disposition="01"),
]  # fmt: skip
# V7: an emergency visit by FHIR whose every code is unmapped (patient, doctor, department, ward)
V7 = [Adt(FHIR, "F-V7-1", "A04", "2026-11-08 08:00", "V7", "MRN9", "E", "CASUALTY^1", "", "ER", "P999")]

# --- mapping tables ------------------------------------------------------------------------------------
MAPPINGS: dict[RawTable, list[tuple[Any, ...]]] = {
    reference.BRANCHES: [("BLR01", "Indiranagar", "Bengaluru", "Karnataka")],
    reference.PATIENT_IDENTITY: [("MRN1", "ABHA-1", "pt_1"), ("MRN2", "", "pt_2"), ("MRN3", "", "pt_3")],
    reference.PROVIDERS: [("P100", "doc_1"), ("P200", "doc_2")],
    reference.DEPARTMENTS: [("GEN", "General Medicine", "BLR01")],
    reference.WARDS: [("OPD1", "OPD block", "BLR01"), ("WARD1", "Ward 1", "BLR01")],
}
# loaded later: V7's codes
LATER_MAPPINGS: dict[RawTable, list[tuple[Any, ...]]] = {
    reference.PATIENT_IDENTITY: [("MRN9", "", "pt_9")],
    reference.PROVIDERS: [("P999", "doc_1")],
    reference.DEPARTMENTS: [("ER", "Emergency", "BLR01")],
    reference.WARDS: [("CASUALTY", "Casualty", "BLR01")],
}


def mapping_rows(table: RawTable, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [dict(zip(table.column_names, (TENANT, *row), strict=True)) for row in rows]


# --- bookings and payments ------------------------------------------------------------------------
def booking_events() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []

    def add(event_type: str, booking: str, at: str, data: dict[str, Any]) -> None:
        events.append(
            {"event_id": f"evt_adt_{len(events) + 1:03d}", "specversion": "1.0", "event_type": event_type,
             "source": "mymedic/booking/BLR01", "subject": booking, "event_time": utc(at),
             "datacontenttype": "application/json", "tenant_id": TENANT, "branch_id": "BLR01",
             "data": json.dumps({"booking_id": booking, **data})}
        )  # fmt: skip

    def booked(booking: str, patient: str, slot: str) -> None:
        add("appointment.booked", booking, "2026-10-30 04:00",
            {"patient_id": patient, "branch_id": "BLR01", "doctor_id": "doc_1", "slot_start": slot,
             "visit_type": "in_person", "fee_paise": 50_000})  # fmt: skip

    def paid(booking: str, patient: str, payment: str, amount: int, at: str) -> None:
        add("payment.deposit.paid", booking, at,
            {"payment_id": payment, "order_id": f"order_{payment}", "patient_id": patient, "branch_id": "BLR01",
             "amount_paise": amount, "currency": "INR", "method": "upi", "gateway": "razorpay",
             "captured_at": at.replace(" ", "T") + ":00Z"})  # fmt: skip

    booked("bk_1", "pt_1", "2026-11-02T05:00:00Z")  # V1's booking: same patient, doctor, branch, IST day
    booked("bk_2", "pt_1", "2026-11-03T05:00:00Z")  # moved to the 4th; never seen
    add(
        "appointment.rescheduled",
        "bk_2",
        "2026-11-01 04:00",
        {"old_slot_start": "2026-11-03T05:00:00Z", "new_slot_start": "2026-11-04T05:00:00Z"},
    )
    booked("bk_3", "pt_2", "2026-11-05T05:45:00Z")  # V3's, once MRN4 is merged into MRN2 (pt_2)
    booked("bk_4", "pt_3", "2026-11-04T06:00:00Z")  # cancelled: not booked any more
    add("appointment.cancelled", "bk_4", "2026-11-01 05:00", {"reason": "patient_request"})
    booked("bk_5", "pt_1", "2026-11-20T05:00:00Z")  # after the latest ADT day: not due yet
    paid("bk_1", "pt_1", "pay_v1", 50_000, "2026-11-02 04:00")  # 09:30 IST on V1's day
    paid("bk_0", "pt_1", "pay_old", 10_000, "2026-10-20 04:00")  # before any episode of pt_1
    paid("bk_x", "pt_3", "pay_v2", 200_000, "2026-11-05 06:00")  # during V2's stay
    paid("bk_y", "pt_3", "pay_after", 30_000, "2026-11-07 06:00")  # the day after V2's discharge day
    return events


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dbt_adt")


def build(settings: WarehouseSettings, root: Path) -> None:
    result = run_dbt(settings, root, "build", "--select", *(f"+{m}" for m in MARTS),
                     "--indirect-selection", "cautious")  # fmt: skip
    assert result.returncode == 0, dbt_failure(result)
    statuses = run_results(root)
    assert all(f"model.mymedic.{m}" in statuses for m in MARTS)
    assert all(status in ("success", "pass") for status in statuses.values()), statuses


@pytest.fixture(scope="module")
def built(root: Path) -> Iterator[WarehouseSettings]:
    settings = warehouse_settings(f"chdb://{root / 'warehouse'}")
    with open_warehouse(settings) as warehouse:
        create_raw_tables(warehouse)
        hl7 = [e for e in (*V1, *V2, *V3, V4_DISCHARGE, *V5, *V6) if e.sender == HL7]
        load(warehouse, ADT_HL7_EVENTS, "adt_hl7_1", [e.row() for e in hl7], FIRST_LOAD)
        load(warehouse, ADT_HL7_EVENTS, "adt_hl7_resent", [V1[0].row()], RESENT_LOAD)
        load(warehouse, ADT_CSV_EVENTS, "adt_csv_1", [e.row() for e in V3 if e.sender == CSV], FIRST_LOAD)
        load(warehouse, ADT_FHIR_EVENTS, "adt_fhir_1", [e.row() for e in V7], FIRST_LOAD)
        # a batch the loader never committed (no ledger row): never read
        warehouse.client.insert(
            f"{warehouse.db('raw')}.{ADT_HL7_EVENTS.name}",
            [[*Adt(HL7, "H-GHOST", "A04", "2026-11-02 05:00", "VG", "MRN1").row().values(), "uncommitted",
              "x.test", 1, FIRST_LOAD]],
            column_names=[*ADT_HL7_EVENTS.column_names, "_batch_id", "_source_file", "_source_line",
                          "_loaded_at"],
        )  # fmt: skip
        for table, rows in MAPPINGS.items():
            load(warehouse, table, f"ref_{table.name}_1", mapping_rows(table, rows), FIRST_LOAD)
        load(warehouse, BOOKING_EVENTS, "booking_1", booking_events(), FIRST_LOAD)
    build(settings, root)
    yield settings


def dicts(settings: WarehouseSettings, sql: str) -> list[dict[str, Any]]:
    with open_warehouse(settings) as warehouse:
        return warehouse.dicts(
            sql.format(marts=warehouse.db("marts"), intermediate=warehouse.db("intermediate"))
        )


def episodes(settings: WarehouseSettings) -> dict[str, dict[str, Any]]:
    rows = dicts(
        settings,
        "select visit_number, episode_type, status, patient_mrn, patient_id, branch_id, department,"
        " attending_doctor, doctor_id, location, toString(admit_at) as admit, toString(admit_at_ist) as admit_ist,"
        " toString(discharge_at) as discharge, toString(discharge_at_ist) as discharge_ist,"
        " length_of_stay_hours as los_hours, length_of_stay_days as los_days, transfer_count as transfers,"
        " discharge_disposition as disposition, booking_id, payments_paise, payment_count, anomaly"
        f" from {{marts}}.fct_patient_episodes where tenant_id = '{TENANT}'",
    )
    return {r.pop("visit_number"): r for r in rows}


def test_each_visit_is_one_episode_by_the_rules(built: WarehouseSettings) -> None:
    got = episodes(built)
    # V4 is held (its A01 has not come), V5 cancelled: neither is an episode
    assert sorted(got) == ["V1", "V2", "V3", "V6", "V7"]
    assert got["V1"] == {
        "episode_type": "OPD", "status": "seen", "patient_mrn": "MRN1", "patient_id": "pt_1", "branch_id": "BLR01",
        "department": "GEN", "attending_doctor": "P100", "doctor_id": "doc_1", "location": "OPD1^R1^^BLR",
        "admit": "2026-11-02 05:10:00.000", "admit_ist": "2026-11-02 10:40:00.000", "discharge": None,
        "discharge_ist": None, "los_hours": None, "los_days": None, "transfers": 0, "disposition": "",
        # booked for 05:00 UTC the same IST day; pay_v1 (09:30 IST) is in the visit's day, pay_old is not
        "booking_id": "bk_1", "payments_paise": 50_000, "payment_count": 1, "anomaly": "",
    }  # fmt: skip
    assert got["V2"] == {
        "episode_type": "IP", "status": "discharged", "patient_mrn": "MRN3", "patient_id": "pt_3",
        "branch_id": "BLR01", "department": "GEN",
        # the A08 correction wins: P200 (doc_2) and the admit time 04:00 UTC = 09:30 IST
        "attending_doctor": "P200", "doctor_id": "doc_2", "location": "WARD1^102^A^BLR",
        "admit": "2026-11-03 04:00:00.000", "admit_ist": "2026-11-03 09:30:00.000",
        "discharge": "2026-11-06 05:00:00.000", "discharge_ist": "2026-11-06 10:30:00.000",
        # 3 days and 1 hour; three IST midnights (3rd->4th, 4th->5th, 5th->6th)
        "los_hours": 73.0, "los_days": 3,
        # H-V2-3 was cancelled by the A12
        "transfers": 1, "disposition": "01",
        # an IP episode links no booking; pay_v2 (5th) is in the stay, pay_after (7th) is not
        "booking_id": "", "payments_paise": 200_000, "payment_count": 1, "anomaly": "",
    }  # fmt: skip
    # MRN4 was merged into MRN2 by the A40 that came after the visit: pt_2, and so bk_3
    assert (got["V3"]["patient_mrn"], got["V3"]["patient_id"], got["V3"]["booking_id"]) == (
        "MRN2",
        "pt_2",
        "bk_3",
    )
    # the A13 voids the A03 it follows (same message time, ordered by control id): still admitted
    assert {k: got["V6"][k] for k in ("episode_type", "status", "discharge", "transfers", "disposition")} == {
        "episode_type": "IP",
        "status": "admitted",
        "discharge": None,
        "transfers": 1,
        "disposition": "",
    }
    # nothing of V7 maps: no patient, no doctor, no branch; an emergency registration is an OPD visit
    assert {
        k: got["V7"][k] for k in ("episode_type", "patient_id", "doctor_id", "branch_id", "booking_id")
    } == {"episode_type": "OPD", "patient_id": "", "doctor_id": "", "branch_id": "", "booking_id": ""}


def test_held_and_cancelled_visits_stay_in_the_intermediate_model(built: WarehouseSettings) -> None:
    rows = dicts(
        built,
        "select visit_number, status, is_pending, anomaly from {intermediate}.int_patient_episodes__built"
        f" where tenant_id = '{TENANT}' and visit_number in ('V4', 'V5') order by visit_number",
    )
    assert rows == [
        {
            "visit_number": "V4",
            "status": "pending",
            "is_pending": True,
            "anomaly": "discharge_without_admission",
        },
        {"visit_number": "V5", "status": "cancelled", "is_pending": False, "anomaly": ""},
    ]


def test_adt_events_are_deduplicated_merged_and_committed_only(built: WarehouseSettings) -> None:
    rows = dicts(
        built,
        "select message_id, wire_format, copies_received, sent_mrn, patient_mrn, is_merged_patient,"
        " visit_event_seq from {marts}.fct_adt_events"
        f" where tenant_id = '{TENANT}' and message_id in ('H-V1-1', 'C-V3-1', 'H-V6-3', 'H-V6-4', 'H-GHOST')"
        " order by message_id",
    )
    assert rows == [
        {"message_id": "C-V3-1", "wire_format": "csv", "copies_received": 1, "sent_mrn": "MRN4",
         "patient_mrn": "MRN2", "is_merged_patient": True, "visit_event_seq": 1},
        # loaded twice (the HIS re-sent it): one event
        {"message_id": "H-V1-1", "wire_format": "hl7", "copies_received": 2, "sent_mrn": "MRN1",
         "patient_mrn": "MRN1", "is_merged_patient": False, "visit_event_seq": 1},
        {"message_id": "H-V6-3", "wire_format": "hl7", "copies_received": 1, "sent_mrn": "MRN1",
         "patient_mrn": "MRN1", "is_merged_patient": False, "visit_event_seq": 3},
        {"message_id": "H-V6-4", "wire_format": "hl7", "copies_received": 1, "sent_mrn": "MRN1",
         "patient_mrn": "MRN1", "is_merged_patient": False, "visit_event_seq": 4},
    ]  # fmt: skip
    total = dicts(built, f"select count() as n from {{marts}}.fct_adt_events where tenant_id = '{TENANT}'")
    assert total == [{"n": len([*V1, *V2, *V3, V4_DISCHARGE, *V5, *V6, *V7])}]


def test_branch_daily_figures(built: WarehouseSettings) -> None:
    rows = dicts(
        built,
        "select branch_id, toString(activity_date) as day, admission_count as adm, discharge_count as dis,"
        " avg_length_of_stay_days as alos, bed_days, opd_visits_seen as seen, opd_visits_booked as booked,"
        " opd_booked_visits_seen as booked_seen"
        f" from {{marts}}.fct_branch_daily_adt where tenant_id = '{TENANT}' order by branch_id, day",
    )

    def day(
        branch: str,
        d: str,
        adm: int = 0,
        dis: int = 0,
        alos: float | None = None,
        bed: int = 0,
        seen: int = 0,
        booked: int = 0,
        booked_seen: int = 0,
    ) -> dict[str, Any]:
        return {"branch_id": branch, "day": d, "adm": adm, "dis": dis, "alos": alos, "bed_days": bed,
                "seen": seen, "booked": booked, "booked_seen": booked_seen}  # fmt: skip

    assert rows == [
        # V7: its ward and department are not mapped, so no branch (until a mapping comes)
        day("", "2026-11-08", seen=1),
        day("BLR01", "2026-11-02", seen=1, booked=1, booked_seen=1),  # V1, bk_1
        day("BLR01", "2026-11-03", adm=1, bed=1),  # V2 admitted 09:30 IST, in a bed at midnight
        day("BLR01", "2026-11-04", bed=1, booked=1),  # bk_2 (rescheduled here) was not seen; bk_4 cancelled
        day("BLR01", "2026-11-05", bed=1, seen=1, booked=1, booked_seen=1),  # V3, bk_3
        day("BLR01", "2026-11-06", dis=1, alos=3.04),  # V2: 73 h = 3.04 days; V5 was cancelled
        day("BLR01", "2026-11-07", adm=1, bed=1),  # V6
        day("BLR01", "2026-11-08", bed=1),  # V6 still admitted on the latest ADT day; bk_5 not due yet
    ]


def test_the_marts_contracts_are_enforced(built: WarehouseSettings) -> None:
    types = dicts(
        built,
        "select table, name, type from system.columns where database = '{marts}'"
        " and table = 'fct_patient_episodes' and name in ('admit_at', 'admit_at_ist', 'discharge_at_ist')"
        " order by name",
    )
    assert [r["type"] for r in types] == [
        "DateTime64(3, 'UTC')",
        "DateTime64(3, 'Asia/Kolkata')",
        "Nullable(DateTime64(3, 'Asia/Kolkata'))",
    ]


def test_unmapped_codes_fill_then_a_later_mapping_and_the_late_a01_resolve(
    built: WarehouseSettings, root: Path
) -> None:
    """Runs last: it loads more rows and rebuilds."""
    unmapped = (
        "select feed, code_kind, unmapped_code, event_count, example_message_id, example_sender"
        f" from {{marts}}.unmapped_codes where tenant_id = '{TENANT}' order by code_kind"
    )
    assert dicts(built, unmapped) == [
        {"feed": "adt_fhir", "code_kind": kind, "unmapped_code": code, "event_count": 1,
         "example_message_id": "F-V7-1", "example_sender": FHIR}
        for kind, code in (("department", "ER"), ("patient_identity", "MRN9"), ("provider", "P999"),
                           ("ward", "CASUALTY"))
    ]  # fmt: skip
    with open_warehouse(built) as warehouse:
        for table, rows in LATER_MAPPINGS.items():
            load(warehouse, table, f"ref_{table.name}_2", mapping_rows(table, rows), LATER_LOAD)
        load(warehouse, ADT_HL7_EVENTS, "adt_hl7_2", [V4_ADMIT.row()], LATER_LOAD)
    build(built, root)
    assert dicts(built, unmapped) == []
    got = episodes(built)
    assert {k: got["V7"][k] for k in ("patient_id", "doctor_id", "branch_id")} == {
        "patient_id": "pt_9",
        "doctor_id": "doc_1",
        "branch_id": "BLR01",
    }
    # V4's A01 came after its A03, but its message time is earlier: admitted the 1st, discharged the 2nd
    assert {k: got["V4"][k] for k in ("episode_type", "status", "admit", "discharge", "los_hours", "anomaly")} == {
        "episode_type": "IP", "status": "discharged", "admit": "2026-11-01 08:00:00.000",
        "discharge": "2026-11-02 10:00:00.000", "los_hours": 26.0, "anomaly": "",
    }  # fmt: skip
