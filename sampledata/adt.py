"""The chain's hospital information system (HIS): ADT messages for the booked OPD visits and a few
inpatient admissions, with injected anomalies, and the episodes they must give (docs/adt-sample.md).

Draws only from its own RNG (seeded from the sample's seed), after the bookings are simulated: adding ADT
changes none of the other files. Times are whole seconds (HL7 TS precision)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from .clock import DAY_MS, HOUR_MS, MINUTE_MS, ist_midnight_ms, rfc3339_ms
from .events import CompletedVisit
from .model import FIRST_NAMES, LAST_NAMES, Branch, Chain, Doctor

HIS_APPLICATION = "ARGHIS"  # MSH-3; MSH-4 is the branch id (the facility)
MRN_AUTHORITY = "ARGHIS"
ABHA_AUTHORITY = "ABHA"
OPD_SHARE = 0.7  # completed in-person bookings the HIS registers (the rest: walk-through, not sent)
ABHA_SHARE = 0.4
ADMISSIONS_PER_BRANCH = (2, 4)
DISPOSITIONS = ("01", "02", "07", "20")  # HL7 table 0112: home, other hospital, against advice, expired
DISPOSITION_WEIGHTS = (85, 7, 5, 3)
OPD_DISPOSITION = "01"

# anomaly kinds (ground_truth.json adt.anomalies)
DUPLICATE_CONTROL_ID = "adt_duplicate_control_id"
OUT_OF_ORDER = "adt_out_of_order"
LATE_CORRECTION = "adt_late_correction"
MERGE = "adt_merge"
UNMAPPED_CODE = "adt_unmapped_code"
MALFORMED = "adt_malformed"
KINDS = (DUPLICATE_CONTROL_ID, OUT_OF_ORDER, LATE_CORRECTION, MERGE, UNMAPPED_CODE, MALFORMED)

DEPARTMENT_ABBR = {
    "General Physician": "GEN",
    "Paediatrics": "PAED",
    "Dermatology": "DERM",
    "Gynaecology": "GYN",
    "ENT": "ENT",
    "Orthopaedics": "ORTH",
    "Cardiology": "CARD",
    "Psychiatry": "PSY",
    "Dentistry": "DENT",
}
WARDS = (("WARD1", "General ward"), ("WARD2", "Private ward"), ("ICU", "Intensive care unit"))
OPD_POINT = ("OPD", "Outpatient clinics")


def branch_code(branch: Branch) -> str:
    """`br_blr01` -> `BLR01`: the HIS's prefix for the branch's codes."""
    return branch.branch_id[3:].upper()


@dataclass(frozen=True, slots=True)
class Patient:
    mrn: str
    abha_number: str
    patient_id: str  # the booking service's id ('' for none)
    family: str
    given: str
    birth_date: str  # YYYYMMDD
    sex: str


@dataclass(slots=True)
class Visit:
    """A visit's state as the HIS knows it (a message carries a snapshot of it)."""

    visit_number: str
    patient: Patient
    patient_class: str  # O or I
    branch: Branch
    location: str  # point of care^room^bed^facility
    department: str
    practitioner: str
    practitioner_name: tuple[str, str]  # family, given
    admit_ms: int
    booking_id: str = ""
    prior_location: str = ""
    discharge_ms: int | None = None
    disposition: str = ""
    transfers: list[dict] = field(default_factory=list)


@dataclass(slots=True)
class Message:
    """One ADT message: the event, the visit snapshot it carries, when and in which order it is delivered."""

    event_type: str
    control_id: str
    message_ms: int
    event_ms: int
    visit: Visit | None  # None for A40
    patient: Patient
    branch: Branch
    delivery_ms: int
    seq: int
    merged_mrn: str = ""
    malformed: str = ""  # why a reader must quarantine it ('' for a good message)
    resend_of: int | None = None  # seq of the message it repeats, byte for byte

    @property
    def sender(self) -> str:
        return f"{HIS_APPLICATION}^{self.branch.branch_id}"


@dataclass(frozen=True, slots=True)
class Mappings:
    """Mapping tables of the HIS's codes (reference/<stem>.csv rows without the tenant)."""

    patient_identity: list[tuple[str, str, str]]  # mrn, abha_number, patient_id
    providers: list[tuple[str, str]]  # practitioner_id, doctor_id
    departments: list[tuple[str, str, str]]  # department_code, name, branch_id
    wards: list[tuple[str, str, str]]  # ward_code, name, branch_id


@dataclass(slots=True)
class Hospital:
    """What `simulate` returns: the messages in delivery order, the mappings, and the truth."""

    messages: list[Message]
    mappings: Mappings
    episodes: list[dict]
    anomalies: list[dict]
    unmapped_codes: list[dict]


def _s(ms: int) -> int:
    return ms - ms % 1000


class HisSimulator:
    def __init__(self, seed: int, chain: Chain, first_day: int, last_day: int) -> None:
        self.rng = random.Random(f"adt:{seed}")  # its own stream: the other files' draws are untouched
        self.chain = chain
        self.start_ms = ist_midnight_ms(first_day)
        self.end_ms = ist_midnight_ms(last_day + 1) - 1000  # the last second of the period
        self.completed: list[CompletedVisit] = []
        self.patients: dict[str, Patient] = {}  # booking patient_id -> the HIS's record
        self._mrn_base = self.rng.randrange(100_000, 900_000)
        self._control = self.rng.randrange(10**6, 9 * 10**6)
        self._seq = 0
        self._opd = 0
        self._ip = 0
        rng = self.rng
        base = rng.randrange(10_000, 80_000)
        self.practitioners: dict[str, str] = {}  # doctor_id -> practitioner id
        for i, d in enumerate(d for ds in chain.doctors for d in ds):
            self.practitioners[d.doctor_id] = f"PR{base + 7 * i:05d}"
        self.messages: list[Message] = []
        self.anomalies: list[dict] = []
        self.unmapped: list[dict] = []
        self.visits: list[Visit] = []
        self._touched: set[str] = set()  # visits an anomaly already uses: one anomaly per visit

    # -- identities and codes ------------------------------------------------------------------
    def _patient(self, patient_id: str) -> Patient:
        p = self.patients.get(patient_id)
        if p is None:
            p = self.patients[patient_id] = self._new_patient(patient_id)
        return p

    def _new_patient(self, patient_id: str, like: Patient | None = None) -> Patient:
        rng = self.rng
        mrn = f"MR{self._mrn_base + len(self.patients) * 3 + (1 if like else 0):07d}"
        if like is not None:
            return replace(like, mrn=mrn, abha_number="", patient_id="")
        abha = ""
        if rng.random() < ABHA_SHARE:
            digits = f"{rng.randrange(10**13, 10**14)}"
            abha = f"{digits[:2]}-{digits[2:6]}-{digits[6:10]}-{digits[10:]}"
        year = rng.randint(1945, 2022)
        return Patient(
            mrn=mrn,
            abha_number=abha,
            patient_id=patient_id,
            family=rng.choice(LAST_NAMES),
            given=rng.choice(FIRST_NAMES),
            birth_date=f"{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
            sex=rng.choice("MF"),
        )

    @staticmethod
    def department(branch: Branch, doctor: Doctor) -> str:
        return f"{branch_code(branch)}-{DEPARTMENT_ABBR[doctor.specialty]}"

    @staticmethod
    def _doctor_name(doctor: Doctor) -> tuple[str, str]:
        given, _, family = doctor.name.removeprefix("Dr. ").partition(" ")
        return family, given

    # -- simulation ----------------------------------------------------------------------------
    def simulate(self) -> Hospital:
        rng = self.rng
        for cv in self.completed:
            if rng.random() < OPD_SHARE:
                self._opd_visit(cv)
        self._admissions()
        self._inject()
        self.messages.sort(key=lambda m: (m.delivery_ms, m.seq))
        return Hospital(self.messages, self._mappings(), self._episodes(), self.anomalies, self.unmapped)

    def _visit_number(self, inpatient: bool) -> str:
        if inpatient:
            self._ip += 1
            return f"IP{self._ip:06d}"
        self._opd += 1
        return f"OP{self._opd:06d}"

    def _emit(
        self,
        event_type: str,
        at_ms: int,
        visit: Visit | None,
        patient: Patient,
        branch: Branch,
        **extra: object,
    ) -> Message:
        self._seq += 1
        self._control += 1
        message_ms = _s(at_ms + self.rng.randrange(0, 90_000))
        m = Message(
            event_type=event_type,
            control_id=f"ARG{self._control:09d}",
            message_ms=min(message_ms, self.end_ms),
            event_ms=_s(at_ms),
            visit=None if visit is None else replace(visit, transfers=list(visit.transfers)),
            patient=patient,
            branch=branch,
            delivery_ms=min(message_ms, self.end_ms),
            seq=self._seq,
            **extra,  # type: ignore[arg-type]
        )
        self.messages.append(m)
        return m

    def _new_visit(
        self,
        patient: Patient,
        branch: Branch,
        doctor: Doctor,
        location: str,
        at_ms: int,
        booking_id: str = "",
    ) -> Visit:
        """A visit attended by `doctor`, in his department; inpatient when `location` is a ward."""
        inpatient = not location.startswith(f"{branch_code(branch)}-{OPD_POINT[0]}^")
        return Visit(
            visit_number=self._visit_number(inpatient),
            patient=patient,
            patient_class="I" if inpatient else "O",
            branch=branch,
            location=location,
            department=self.department(branch, doctor),
            practitioner=self.practitioners[doctor.doctor_id],
            practitioner_name=self._doctor_name(doctor),
            admit_ms=at_ms,
            booking_id=booking_id,
        )

    def _opd_visit(self, cv: CompletedVisit) -> None:
        rng = self.rng
        arrival = _s(cv.slot_ms - rng.randrange(5 * MINUTE_MS, 25 * MINUTE_MS))
        room = self.chain.doctors[cv.branch.index].index(cv.doctor) + 1
        code = branch_code(cv.branch)
        location = f"{code}-{OPD_POINT[0]}^R{room:02d}^^{cv.branch.branch_id}"
        visit = self._new_visit(
            self._patient(cv.patient_id), cv.branch, cv.doctor, location, arrival, cv.booking_id
        )
        self._emit("A04", arrival, visit, visit.patient, cv.branch)
        visit.discharge_ms = _s(cv.completed_ms)
        visit.disposition = OPD_DISPOSITION
        self._emit("A03", visit.discharge_ms, visit, visit.patient, cv.branch)
        self.visits.append(visit)

    def _admissions(self) -> None:
        """A few inpatients per branch: patients the branch has seen in OPD (so their MRN is mapped)."""
        rng = self.rng
        span = self.end_ms - self.start_ms
        for branch in self.chain.branches:
            seen = sorted({v.patient.patient_id for v in self.visits if v.branch is branch})
            if not seen:
                continue
            for _ in range(rng.randint(*ADMISSIONS_PER_BRANCH)):
                patient = self.patients[rng.choice(seen)]
                doctor = rng.choice(self.chain.doctors[branch.index])
                admit = _s(self.start_ms + rng.randrange(span * 3 // 4))
                stay = rng.randrange(20 * HOUR_MS, 6 * DAY_MS)
                code = branch_code(branch)
                ward, _ = rng.choice(WARDS[:2])
                bed = f"{code}-{ward}^{rng.randint(1, 20):02d}^{rng.choice('AB')}^{branch.branch_id}"
                visit = self._new_visit(patient, branch, doctor, bed, admit)
                self._emit("A01", admit, visit, patient, branch)
                discharge = admit + stay
                last_move = admit
                for _ in range(rng.choices((0, 1, 2), (50, 35, 15))[0]):
                    at = _s(rng.randrange(visit.admit_ms + HOUR_MS, discharge - HOUR_MS))
                    if at > self.end_ms or at <= last_move:
                        continue
                    last_move = at
                    point = rng.choice([w for w, _ in WARDS if f"{code}-{w}^" not in visit.location])
                    new = f"{code}-{point}^{rng.randint(1, 20):02d}^{rng.choice('AB')}^{branch.branch_id}"
                    visit.prior_location, visit.location = visit.location, new
                    visit.transfers.append({"at": rfc3339_s(at), "from": visit.prior_location, "to": new})
                    self._emit("A02", at, visit, patient, branch)
                if discharge + 2 * MINUTE_MS <= self.end_ms:
                    visit.discharge_ms = _s(discharge)
                    visit.disposition = rng.choices(DISPOSITIONS, DISPOSITION_WEIGHTS)[0]
                    self._emit("A03", visit.discharge_ms, visit, patient, branch)
                self.visits.append(visit)

    # -- anomalies -----------------------------------------------------------------------------
    def _anomaly(self, kind: str, detail: str, **ids: object) -> None:
        self.anomalies.append({"kind": kind, **ids, "detail": detail})
        self._touched.update(ids.get("visit_numbers", ()))  # type: ignore[arg-type]

    def _free(self, visits: list[Visit]) -> list[Visit]:
        return [v for v in visits if v.visit_number not in self._touched]

    def _inject(self) -> None:
        if not self.visits:
            self._malformed()
            return
        self._unmapped()
        self._late_correction()
        self._merge()
        self._out_of_order()
        self._duplicates()
        self._malformed()

    def _messages_of(self, visit_number: str) -> list[Message]:
        return [m for m in self.messages if m.visit is not None and m.visit.visit_number == visit_number]

    def _unmapped(self) -> None:
        """A new clinic's department code and a locum's practitioner id: neither has a mapping row."""
        rng = self.rng
        opd = self._free([v for v in self.visits if v.patient_class == "O"])
        picked = rng.sample(opd, min(2, len(opd)))
        for i, v in enumerate(picked):
            if i == 0:
                code = f"{branch_code(v.branch)}-PHYSIO"
                v.department = code
                what = "department"
            else:
                code = f"LOC{rng.randrange(1000, 9999)}"
                v.practitioner, v.practitioner_name = code, ("Locum", rng.choice(FIRST_NAMES))
                what = "provider"
            for m in self._messages_of(v.visit_number):
                assert m.visit is not None
                m.visit.department, m.visit.practitioner = v.department, v.practitioner
                m.visit.practitioner_name = v.practitioner_name
            self.unmapped.append({"code_type": what, "code": code, "visit_number": v.visit_number})
            self._anomaly(
                UNMAPPED_CODE,
                f"{what} code {code} of visit {v.visit_number} has no mapping row",
                code_type=what,
                code=code,
                visit_numbers=[v.visit_number],
            )

    def _late_correction(self) -> None:
        """An A08 days after the discharge: the attending doctor was someone else."""
        rng = self.rng
        candidates = [
            v
            for v in self._free(self.visits)
            if v.discharge_ms is not None
            and v.discharge_ms + 2 * HOUR_MS < self.end_ms
            and v.practitioner in self.practitioners.values()
            and len(self.chain.doctors[v.branch.index]) > 1
        ]
        if not candidates:
            return
        v = rng.choice(candidates)
        assert v.discharge_ms is not None
        doctor = rng.choice(
            [
                d
                for d in self.chain.doctors[v.branch.index]
                if self.practitioners[d.doctor_id] != v.practitioner
            ]
        )
        before = v.practitioner
        v.practitioner, v.practitioner_name = self.practitioners[doctor.doctor_id], self._doctor_name(doctor)
        at = min(v.discharge_ms + rng.randrange(HOUR_MS, 3 * DAY_MS), self.end_ms - 2 * MINUTE_MS)
        m = self._emit("A08", at, v, v.patient, v.branch)
        self._anomaly(
            LATE_CORRECTION,
            f"A08 {m.control_id} after the discharge of {v.visit_number} changes "
            f"the attending doctor from {before} to {v.practitioner}",
            visit_numbers=[v.visit_number],
            message_ids=[m.control_id],
        )

    def _merge(self) -> None:
        """A patient registered twice: one OPD visit under a second MRN, merged into the first by an A40."""
        rng = self.rng
        candidates = [
            v
            for v in self._free(self.visits)
            if v.patient_class == "O"
            and v.discharge_ms is not None
            and v.discharge_ms + HOUR_MS < self.end_ms
        ]
        if not candidates:
            return
        v = rng.choice(candidates)
        assert v.discharge_ms is not None
        survivor = v.patient
        duplicate = self._new_patient("", like=survivor)
        v.patient = duplicate
        for m in self._messages_of(v.visit_number):
            m.patient = duplicate
        at = min(v.discharge_ms + rng.randrange(10 * MINUTE_MS, 2 * DAY_MS), self.end_ms - 2 * MINUTE_MS)
        m = self._emit("A40", at, None, survivor, v.branch, merged_mrn=duplicate.mrn)
        v.patient = survivor  # the episode's MRN after the merge
        self._anomaly(
            MERGE,
            f"A40 {m.control_id} merges MRN {duplicate.mrn} (the registration of visit "
            f"{v.visit_number}) into {survivor.mrn}",
            message_ids=[m.control_id],
            visit_numbers=[v.visit_number],
            mrn=survivor.mrn,
            merged_mrn=duplicate.mrn,
        )

    def _out_of_order(self) -> None:
        """An admission's A01 reaches the feed after its A03 (file order; MSH-7 stays right)."""
        rng = self.rng
        candidates = [
            v for v in self._free(self.visits) if v.patient_class == "I" and v.discharge_ms is not None
        ]
        if not candidates:
            return
        v = rng.choice(candidates)
        ms = self._messages_of(v.visit_number)
        a01 = next(m for m in ms if m.event_type == "A01")
        a03 = next(m for m in ms if m.event_type == "A03")
        a01.delivery_ms = a03.delivery_ms
        a01.seq = self._seq = self._seq + 1
        self._anomaly(
            OUT_OF_ORDER,
            f"the A01 {a01.control_id} of {v.visit_number} arrives after its A03 {a03.control_id}",
            visit_numbers=[v.visit_number],
            message_ids=[a03.control_id, a01.control_id],
        )

    def _duplicates(self) -> None:
        """Messages the HIS re-sent (no ACK seen): the same control id and bytes, later."""
        rng = self.rng
        free = {v.visit_number for v in self._free(self.visits)}
        originals = [m for m in self.messages if m.visit is not None and m.visit.visit_number in free]
        for m in rng.sample(originals, min(2, len(originals))):
            self._seq += 1
            later = min(m.delivery_ms + rng.randrange(MINUTE_MS, 2 * HOUR_MS), self.end_ms)
            again = replace(m, delivery_ms=later, seq=self._seq, resend_of=m.seq)
            self.messages.append(again)
            assert m.visit is not None
            self._anomaly(
                DUPLICATE_CONTROL_ID,
                f"{m.event_type} {m.control_id} of {m.visit.visit_number} sent twice",
                message_ids=[m.control_id],
                visit_numbers=[m.visit.visit_number],
            )

    def _malformed(self) -> None:
        """A registration with no message control id: it cannot be keyed, so it is quarantined."""
        rng = self.rng
        branch = rng.choice(self.chain.branches)
        doctor = rng.choice(self.chain.doctors[branch.index])
        at = _s(self.start_ms + rng.randrange(self.end_ms - self.start_ms - HOUR_MS))
        patient = self._new_patient("", like=None)
        location = f"{branch_code(branch)}-{OPD_POINT[0]}^R01^^{branch.branch_id}"
        visit = self._new_visit(patient, branch, doctor, location, at)
        m = self._emit("A04", at, visit, patient, branch, malformed="no message control id")
        m.control_id = ""
        self._anomaly(
            MALFORMED,
            f"an A04 of {visit.visit_number} without a message control id",
            visit_numbers=[visit.visit_number],
            reason=m.malformed,
        )

    # -- mappings and truth --------------------------------------------------------------------
    def _mappings(self) -> Mappings:
        chain = self.chain
        identity = sorted((p.mrn, p.abha_number, p.patient_id) for p in self.patients.values())
        providers = sorted((prac, doc) for doc, prac in self.practitioners.items())
        departments = sorted(
            {
                (self.department(b, d), f"{d.specialty} ({b.name})", b.branch_id)
                for b in chain.branches
                for d in chain.doctors[b.index]
            }
        )
        wards = sorted(
            (f"{branch_code(b)}-{code}", f"{name} ({b.name})", b.branch_id)
            for b in chain.branches
            for code, name in (OPD_POINT, *WARDS)
        )
        return Mappings(identity, providers, departments, wards)

    def _episodes(self) -> list[dict]:
        doctor_of = {prac: doc for doc, prac in self.practitioners.items()}
        episodes = []
        for v in sorted(self.visits, key=lambda v: v.visit_number):
            episodes.append(
                {
                    "tenant_id": self.chain.tenant_id,
                    "visit_number": v.visit_number,
                    "episode_type": "IP" if v.patient_class == "I" else "OPD",
                    "mrn": v.patient.mrn,
                    "abha_number": v.patient.abha_number,
                    "patient_id": v.patient.patient_id,
                    "branch_id": v.branch.branch_id,
                    "department_code": v.department,
                    "attending_practitioner": v.practitioner,
                    "doctor_id": doctor_of.get(v.practitioner, ""),
                    "location": v.location,
                    "admit_time": rfc3339_s(v.admit_ms),
                    "discharge_time": None if v.discharge_ms is None else rfc3339_s(v.discharge_ms),
                    "transfers": v.transfers,
                    "transfer_count": len(v.transfers),
                    "discharge_disposition": v.disposition,
                    "booking_id": v.booking_id or None,
                }
            )
        return episodes


def rfc3339_s(epoch_ms: int) -> str:
    """UTC, whole seconds, `Z`."""
    return rfc3339_ms(epoch_ms)[:-5] + "Z"
