"""The HIS's bills for its visits (the billing handoff, docs/billing.md): an OPD visit's final bill at
checkout; an admission's interim (running) bill after its first day and its final bill at discharge. Each
bill is one HL7 v2.5 DFT^P03 message (FT1 charge lines) or, with the CSV ADT format, rows of a bill CSV
export. Injected: one service code with no mapping row, one re-sent message, one malformed message (an
amount that is no amount). The ground truth's `billing` section lists the bills per episode with their
totals, as fct_episode_bills must give them.

Draws only from its own RNG (seeded from the sample's seed), after the HIS is simulated: adding bills
changes none of the other files. Amounts are integer paise, written as rupees ("1234.50")."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

from .adt import HIS_APPLICATION, Visit, branch_code
from .adt_wire import (
    CSV_HIS,
    HL7_VERSION,
    MLLP_END,
    MLLP_START,
    RECEIVER,
    _identifiers,
    _pv1,
    hl7_ts,
    iso_ist,
)
from .clock import DAY_MS, HOUR_MS, MINUTE_MS, iso_day, ist_day_of_ms

BILLING_DIR = "billing"
CSV_DIR = f"billing/csv/{CSV_HIS}"
CODING_SYSTEM = HIS_APPLICATION
# The HIS's service catalog: code, name, fee (paise; PHARM is priced per issue). The mapping file
# reference/services.csv maps each to the platform's service; UNMAPPED has no mapping row.
SERVICES: dict[str, tuple[str, int]] = {
    "CONS": ("Consultation", 80_000),
    "LAB-CBC": ("Complete blood count", 45_000),
    "RAD-XR": ("X-ray, one view", 90_000),
    "RM-WARD1": ("General ward bed-day", 250_000),
    "RM-WARD2": ("Private ward bed-day", 550_000),
    "RM-ICU": ("Intensive care bed-day", 1_200_000),
    "NURS": ("Nursing care, per day", 80_000),
    "PROC-MIN": ("Minor procedure", 600_000),
    "PHARM": ("Pharmacy issue", 0),
}
UNMAPPED = ("PHYSIO-SES", "Physiotherapy session", 70_000)
# Codes of lines that are no service (payments, concessions, round-off): not mapped to the catalog.
DEPOSIT, RECEIPT, CONCESSION, ROUND_OFF = "DEPOSIT", "RCPT", "CONC", "ROUND"
NOT_SERVICES = {
    DEPOSIT: "Advance deposit",
    RECEIPT: "Payment received",
    CONCESSION: "Concession",
    ROUND_OFF: "Round-off",
}
CSV_COLUMNS = (
    "message_id",
    "line_number",
    "message_time",
    "mrn",
    "abha_number",
    "visit_number",
    "bill_number",
    "bill_kind",
    "transaction_id",
    "transaction_time",
    "transaction_type",
    "service_code",
    "service_text",
    "service_coding_system",
    "quantity",
    "unit_amount",
    "amount",
    "department",
    "performing_doctor",
)
BAD_AMOUNT = "12,34.5x"  # the malformed message's amount: no amount in rupees


def service_id(code: str) -> str:
    return "svc_" + code.lower().replace("-", "_")


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    at_ms: int
    kind: str  # CG, CD, PY, AJ
    code: str
    text: str
    quantity: int
    unit_paise: int | None
    amount_paise: int
    department: str = ""
    performer: str = ""


@dataclass(slots=True)
class Bill:
    visit: Visit
    number: str
    kind: str  # interim | final
    control_id: str
    message_ms: int
    lines: list[Line] = field(default_factory=list)
    malformed: str = ""  # why a reader must quarantine it ('' for a good bill)

    @property
    def sender(self) -> str:
        return f"{HIS_APPLICATION}^{self.visit.branch.branch_id}"


@dataclass(slots=True)
class Billing:
    """The bills in delivery order (a re-sent one twice) and the truth."""

    bills: list[Bill]
    anomalies: list[dict]


def _rupees(paise: int) -> str:
    sign = "-" if paise < 0 else ""
    return f"{sign}{abs(paise) // 100}.{abs(paise) % 100:02d}"


class BillingSimulator:
    def __init__(self, seed: int, end_ms: int) -> None:
        self.rng = random.Random(f"billing:{seed}")  # its own stream
        self.end_ms = end_ms
        self._control = self.rng.randrange(10**6, 9 * 10**6)
        self._bills = 0

    def simulate(self, visits: list[Visit]) -> Billing:
        bills: list[Bill] = []
        for v in sorted(visits, key=lambda v: v.visit_number):
            bills += self._opd(v) if v.patient_class == "O" else self._ip(v)
        anomalies = self._inject(bills)
        bills.sort(key=lambda b: (b.message_ms, b.control_id))
        return Billing(bills, anomalies)

    def _bill(self, v: Visit, kind: str, at_ms: int) -> Bill:
        self._control += 1
        self._bills += 1
        prefix = "IB" if kind == "interim" else "FB"
        number = f"{branch_code(v.branch)}-{prefix}{self._bills:06d}"
        return Bill(v, number, kind, f"BIL{self._control:09d}", at_ms - at_ms % 1000)

    @staticmethod
    def _add(bill: Bill, at_ms: int, kind: str, code: str, quantity: int, amount: int | None = None) -> None:
        """A line: a catalog service at its fee times the quantity, or a given amount (unit price none)."""
        if code in SERVICES:
            name, fee = SERVICES[code]
        else:
            name, fee = UNMAPPED[1:] if code == UNMAPPED[0] else (NOT_SERVICES[code], 0)
        unit = fee if amount is None else None
        v = bill.visit
        bill.lines.append(
            Line(
                number=len(bill.lines) + 1,
                at_ms=at_ms - at_ms % 1000,
                kind=kind,
                code=code,
                text=name,
                quantity=quantity,
                unit_paise=unit,
                amount_paise=fee * quantity if amount is None else amount,
                department=v.department if kind == "CG" else "",
                performer=v.practitioner if kind == "CG" else "",
            )
        )

    def _opd(self, v: Visit) -> list[Bill]:
        rng = self.rng
        done = v.discharge_ms if v.discharge_ms is not None else v.admit_ms + HOUR_MS
        at = done + rng.randrange(2 * MINUTE_MS, 20 * MINUTE_MS)
        if at > self.end_ms:
            return []
        bill = self._bill(v, "final", at)
        self._add(bill, v.admit_ms, "CG", "CONS", 1)
        if rng.random() < 0.4:
            self._add(bill, v.admit_ms + 10 * MINUTE_MS, "CG", rng.choice(("LAB-CBC", "RAD-XR")), 1)
        total = sum(line.amount_paise for line in bill.lines)
        self._add(bill, at, "PY", RECEIPT, 1, amount=total)
        return [bill]

    def _ip(self, v: Visit) -> list[Bill]:
        rng = self.rng
        ward = v.location.split("^")[0].removeprefix(f"{branch_code(v.branch)}-")
        room = f"RM-{ward}" if f"RM-{ward}" in SERVICES else "RM-WARD1"
        bills: list[Bill] = []
        interim_ms = v.admit_ms + DAY_MS + rng.randrange(HOUR_MS, 3 * HOUR_MS)
        stay_end = v.discharge_ms if v.discharge_ms is not None else self.end_ms
        billed_days = 0
        if interim_ms < stay_end and interim_ms <= self.end_ms:
            interim = self._bill(v, "interim", interim_ms)
            billed_days = 1
            self._add(interim, v.admit_ms, "CG", room, 1)
            self._add(interim, v.admit_ms, "CG", "NURS", 1)
            self._add(interim, v.admit_ms + 2 * HOUR_MS, "CG", "LAB-CBC", 1)
            self._add(
                interim, interim_ms, "PY", DEPOSIT, 1, amount=rng.choice((10_000, 20_000, 25_000)) * 100
            )
            bills.append(interim)
        if v.discharge_ms is None:
            return bills
        final_ms = v.discharge_ms + rng.randrange(10 * MINUTE_MS, 2 * HOUR_MS)
        if final_ms > self.end_ms:
            return bills
        final = self._bill(v, "final", final_ms)
        days = max(1, -(-(v.discharge_ms - v.admit_ms) // DAY_MS) - billed_days)
        self._add(final, v.discharge_ms, "CG", room, days)
        self._add(final, v.discharge_ms, "CG", "NURS", days)
        self._add(final, v.discharge_ms, "CG", "PHARM", 1, amount=rng.randrange(50_000, 900_000))
        if rng.random() < 0.5:
            self._add(final, v.admit_ms + 5 * HOUR_MS, "CG", "PROC-MIN", 1)
        if rng.random() < 0.5:  # a concession, written as a positive credit
            self._add(final, final_ms, "CD", CONCESSION, 1, amount=rng.choice((50_000, 100_000)))
        net = sum(x.amount_paise if x.kind == "CG" else -x.amount_paise for x in final.lines)
        if net % 100:  # round the bill down to whole rupees, written negative
            self._add(final, final_ms, "AJ", ROUND_OFF, 1, amount=-(net % 100))
            net -= net % 100
        if rng.random() < 0.7:  # else the balance is left for the insurer's claim
            self._add(final, final_ms, "PY", RECEIPT, 1, amount=net)
        bills.append(final)
        return bills

    def _inject(self, bills: list[Bill]) -> list[dict]:
        """One unmapped service, one re-sent message, one malformed message."""
        rng = self.rng
        anomalies: list[dict] = []
        finals = [b for b in bills if b.kind == "final"]
        if not finals:
            return anomalies
        target = rng.choice([b for b in finals if b.visit.patient_class == "I"] or finals)
        self._add(target, target.message_ms, "CG", UNMAPPED[0], 1)
        anomalies.append(
            {
                "kind": "billing_unmapped_service",
                "code": UNMAPPED[0],
                "bill_number": target.number,
                "visit_numbers": [target.visit.visit_number],
                "detail": f"service code {UNMAPPED[0]} on bill {target.number} has no mapping row",
            }
        )
        others = [b for b in bills if b is not target]
        if others:  # a sample with a single bill has none to send again
            again = rng.choice(others)
            resent = Bill(
                again.visit, again.number, again.kind, again.control_id, again.message_ms, again.lines
            )
            resent.message_ms = again.message_ms  # the same message, delivered again
            bills.append(resent)
            anomalies.append(
                {
                    "kind": "billing_duplicate_control_id",
                    "message_ids": [again.control_id],
                    "bill_number": again.number,
                    "visit_numbers": [again.visit.visit_number],
                    "detail": f"DFT^P03 {again.control_id} of bill {again.number} sent twice",
                }
            )
        victim = rng.choice(finals)
        bad = self._bill(victim.visit, "interim", min(victim.message_ms + HOUR_MS, self.end_ms))
        self._add(bad, bad.message_ms, "CG", "LAB-CBC", 1)
        bad.malformed = "amount is not an amount in rupees"
        bills.append(bad)
        anomalies.append(
            {
                "kind": "billing_malformed",
                "bill_number": bad.number,
                "visit_numbers": [victim.visit.visit_number],
                "detail": f"bill {bad.number}: its amount {BAD_AMOUNT!r} is no amount",
            }
        )
        return anomalies


# -- truth ------------------------------------------------------------------------------------------
def expected_bills(billing: Billing, tenant: str, fmt: str) -> list[dict]:
    """fct_episode_bills as it must be: one row per (bill, visit), a re-sent message counted once."""
    seen: set[str] = set()
    out = []
    for b in billing.bills:
        if b.malformed or b.control_id in seen:
            continue
        seen.add(b.control_id)
        by = {k: sum(abs(x.amount_paise) for x in b.lines if x.kind == k) for k in ("CG", "CD", "PY")}
        charges = sum(x.amount_paise for x in b.lines if x.kind == "CG")
        adjustments = sum(x.amount_paise for x in b.lines if x.kind == "AJ")
        net = charges - by["CD"] + adjustments
        services = [x for x in b.lines if x.kind == "CG"]
        unmapped = sum(1 for x in services if x.code not in SERVICES)
        out.append(
            {
                "tenant_id": tenant,
                "visit_number": b.visit.visit_number,
                "bill_number": b.number,
                "bill_kind": b.kind,
                "sender": b.sender if fmt == "hl7" else CSV_HIS,
                "patient_mrn": b.visit.patient.mrn,
                "line_count": len(b.lines),
                "mapped_line_count": len(services) - unmapped,
                "unmapped_line_count": unmapped,
                "charges_paise": charges,
                "credits_paise": by["CD"],
                "payments_paise": by["PY"],
                "adjustments_paise": adjustments,
                "net_total_paise": net,
                "balance_due_paise": net - by["PY"],
            }
        )
    return sorted(out, key=lambda e: (e["bill_number"], e["visit_number"]))


# -- the wire ---------------------------------------------------------------------------------------
def dft_message(b: Bill, tenant: str) -> str:
    """The bill as an HL7 v2.5 DFT^P03, segments ended by \\r (docs/billing.md: FT1-3 the bill number,
    EVN-4 the bill kind)."""
    v, p, branch = b.visit, b.visit.patient, b.visit.branch.branch_id
    ids = "~".join(f"{i['id']}^^^{i['authority']}^{i['type']}" for i in _identifiers(p))
    segments = [
        f"MSH|^~\\&|{HIS_APPLICATION}|{branch}|{RECEIVER}|{tenant}|{hl7_ts(b.message_ms)}||DFT^P03^DFT_P03|"
        f"{b.control_id}|P|{HL7_VERSION}",
        f"EVN|P03|{hl7_ts(b.message_ms)}||{b.kind.upper()}",
        f"PID|1||{ids}||{p.family}^{p.given}||{p.birth_date}|{p.sex}",
        _pv1(v),
    ]
    for x in b.lines:
        f = [""] * 22
        f[0], f[1], f[2], f[3], f[4] = (
            "FT1",
            str(x.number),
            f"{b.control_id}-{x.number}",
            b.number,
            hl7_ts(x.at_ms),
        )
        f[6], f[7] = x.kind, f"{x.code}^{x.text}^{CODING_SYSTEM}"
        f[10] = str(x.quantity)
        f[11] = (BAD_AMOUNT if b.malformed else _rupees(x.amount_paise)) + "&INR"
        f[12] = "" if x.unit_paise is None else _rupees(x.unit_paise) + "&INR"
        f[13], f[20] = x.department, x.performer
        segments.append("|".join(f).rstrip("|"))
    return "".join(s + "\r" for s in segments)


def csv_rows(b: Bill) -> list[list[str]]:
    p, v = b.visit.patient, b.visit
    rows = []
    for x in b.lines:
        row = {
            "message_id": b.control_id,
            "line_number": str(x.number),
            "message_time": iso_ist(b.message_ms),
            "mrn": p.mrn,
            "abha_number": p.abha_number,
            "visit_number": v.visit_number,
            "bill_number": b.number,
            "bill_kind": b.kind,
            "transaction_id": f"{b.control_id}-{x.number}",
            "transaction_time": iso_ist(x.at_ms),
            "transaction_type": x.kind,
            "service_code": x.code,
            "service_text": x.text,
            "service_coding_system": CODING_SYSTEM,
            "quantity": str(x.quantity),
            "unit_amount": "" if x.unit_paise is None else _rupees(x.unit_paise),
            "amount": BAD_AMOUNT if b.malformed else _rupees(x.amount_paise),
            "department": x.department,
            "performing_doctor": x.performer,
        }
        rows.append([row[c] for c in CSV_COLUMNS])
    return rows


def csv_mapping_yaml() -> str:
    """The sample HIS's bill export mapping (ingestion/feeds/billing_csv/mapping.py): columns named as the
    charge line columns they fill, amounts in rupees."""
    named = {"unit_amount": "unit_amount_paise", "amount": "amount_paise"}
    skip = {"mrn", "abha_number"}
    lines = [
        "# The sample HIS's bill export (sampledata): one column per charge line column, amounts in rupees.",
        f"name: {CSV_HIS}",
        "zone: Asia/Kolkata  # times carry their +05:30 offset",
        "time_formats: [iso8601]",
        "amounts: rupees",
        "columns:",
        *(f"  {named.get(c, c)}: {c}" for c in CSV_COLUMNS if c not in skip),
        "identifiers:",
        f"  - {{column: mrn, type: MR, authority: {HIS_APPLICATION}}}",
        '  - {column: abha_number, type: ABHA, authority: "ABHA"}',
    ]
    return "\n".join(lines) + "\n"


def write_billing(out: Path, billing: Billing, fmt: str, tenant: str) -> tuple[list[Path], list[dict]]:
    """The bills by IST day of delivery: billing/<day>.hl7 (plain, batch or MLLP-framed in turn) or, with
    fmt csv, billing/csv/arghis/<day>.csv and its mapping.yaml. Returns the files and the expected
    quarantine."""
    days: dict[int, list[Bill]] = {}
    for b in billing.bills:
        days.setdefault(ist_day_of_ms(b.message_ms), []).append(b)
    paths: list[Path] = []
    quarantine: list[dict] = []
    for i, (day, bills) in enumerate(sorted(days.items())):
        name = iso_day(day)
        if fmt == "csv":
            path = out / CSV_DIR / f"{name}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow(CSV_COLUMNS)
                for b in bills:
                    writer.writerows(csv_rows(b))
        else:
            path = out / BILLING_DIR / f"{name}.hl7"
            path.parent.mkdir(parents=True, exist_ok=True)
            texts = [dft_message(b, tenant).encode() for b in bills]
            if i % 3 == 1:
                stamp = name.replace("-", "") + "235959+0530"
                head = f"FHS|^~\\&|{HIS_APPLICATION}|{tenant}|{RECEIVER}|{tenant}|{stamp}\r"
                head += f"BHS|^~\\&|{HIS_APPLICATION}|{tenant}|{RECEIVER}|{tenant}|{stamp}\r"
                tail = f"BTS|{len(texts)}\rFTS|1\r"
                path.write_bytes(head.encode() + b"".join(texts) + tail.encode())
            elif i % 3 == 2:
                path.write_bytes(b"".join(MLLP_START + t + MLLP_END for t in texts))
            else:
                path.write_bytes(b"".join(texts))
        paths.append(path)
        rel = str(path.relative_to(out))
        quarantine += [{"file": rel, "bill_number": b.number} for b in bills if b.malformed]
    if fmt == "csv":
        mapping = out / CSV_DIR / "mapping.yaml"
        mapping.write_text(csv_mapping_yaml(), encoding="utf-8")
        paths.append(mapping)
    return paths, quarantine


def write_services(directory: Path, tenant: str, header: tuple[str, ...]) -> Path:
    """reference/services.csv: the HIS's service codes mapped to the platform's catalog (UNMAPPED left out)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "services.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n", extrasaction="raise")
        writer.writeheader()
        for code, (name, fee) in sorted(SERVICES.items()):
            writer.writerow(
                {
                    "tenant_id": tenant,
                    "service_code": code,
                    "service_id": service_id(code),
                    "service_name": name,
                    "fee_paise": fee,
                }
            )
    return path
