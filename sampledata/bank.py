"""The chain's bank statement: settlement credits (UTR in the narration), overheads, running balance."""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path
from typing import NamedTuple

from ingestion.feeds.bank_statements.spec import SPEC as BANK_SPEC

from .money import rupees

HEADER = BANK_SPEC.header()  # from the feed spec

SETTLEMENT_NARRATIONS = (
    "NEFT CR-{utr}-RAZORPAY SOFTWARE PVT LTD-SETTLEMENT",
    "NEFT CR-{utr}-RAZORPAY SOFTWARE PVT LTD-SETTLEMENT",
    "NEFT CR-{utr}-RAZORPAY SOFTWARE PVT LTD-SETTLEMENT",
    "NEFT CR {utr} RAZORPAY SOFTWARE PRIVATE LIMITED SETTLEMENT",
)
LANDLORDS = ("SRINIVASA ESTATES", "MEHTA PROPERTIES", "GREENFIELD REALTY", "LAKSHMI HOLDINGS")
VENDORS = ("MEDISUPPLY PHARMA DISTRIBUTORS", "CITYLAB DIAGNOSTICS", "CLEANCARE FACILITY SERVICES")


class BankEntry(NamedTuple):
    at_s: int  # seconds after IST midnight, only used to order the day's lines
    narration: str
    ref_no: str
    debit: int
    credit: int


class BankStatement:
    def __init__(self, path: Path, opening_balance_paise: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.balance = opening_balance_paise
        self.lines = 0
        self.last_day: int | None = None
        self._fh = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._fh, lineterminator="\n")
        self._writer.writerow(HEADER)

    def write_day(self, day: int, entries: list[BankEntry]) -> None:
        if not entries:
            return
        stamp = f"{date.fromordinal(day):%d/%m/%Y}"
        for e in sorted(entries, key=lambda e: e.at_s):
            self.balance += e.credit - e.debit
            self._writer.writerow(
                (
                    stamp,
                    stamp,
                    e.narration,
                    e.ref_no,
                    rupees(e.debit) if e.debit else "",
                    rupees(e.credit) if e.credit else "",
                    rupees(self.balance),
                )
            )
        self.lines += len(entries)
        self.last_day = day

    def close(self) -> None:
        self._fh.close()


def ref_no(rng: random.Random) -> str:
    return f"{rng.randrange(10**11, 10**12)}"


def settlement_credit(rng: random.Random, utr: str, amount: int, at_s: int) -> BankEntry:
    return BankEntry(at_s, rng.choice(SETTLEMENT_NARRATIONS).format(utr=utr), ref_no(rng), 0, amount)


def overheads(rng: random.Random, day: int, n_branches: int, bookings_per_branch_day: int) -> list[BankEntry]:
    """Unrelated lines of a day: rent, salaries, utilities, GST, vendors, cash deposits, bank charges."""
    d = date.fromordinal(day)
    volume = max(bookings_per_branch_day, 1)
    month = f"{d:%b}".upper()
    entries: list[BankEntry] = []

    def vary(paise: int) -> int:
        return paise * rng.randint(90, 110) // 100

    if d.day == 1:
        entries.append(BankEntry(8 * 3600, "SMS ALERT CHARGES INCL GST", ref_no(rng), 5_900, 0))
    if d.day == 5:
        for b in range(n_branches):
            utr = f"HDFCN5{d:%Y%m%d}{b + 1:05d}"
            landlord = LANDLORDS[b % len(LANDLORDS)]
            narration = f"NEFT DR-{utr}-{landlord}-RENT {month}{d:%y}"
            entries.append(BankEntry(9 * 3600 + b * 60, narration, ref_no(rng), volume * 3_000_00, 0))
    if d.day == 12:
        for b in range(n_branches):
            narration = f"BBPS ELECTRICITY BILL CA {rng.randrange(10**9, 10**10)}"
            entries.append(BankEntry(12 * 3600 + b * 60, narration, ref_no(rng), vary(volume * 500_00), 0))
    if d.day == 20:
        narration = f"GST PAYMENT CPIN {d:%y%m}{rng.randrange(10**9, 10**10)}"
        entries.append(BankEntry(15 * 3600, narration, ref_no(rng), vary(n_branches * volume * 800_00), 0))
    if d.weekday() == 0:
        vendor = rng.choice(VENDORS)
        narration = f"IMPS DR-{vendor}-INV {rng.randrange(1000, 9999)}"
        entries.append(BankEntry(16 * 3600, narration, ref_no(rng), vary(n_branches * volume * 400_00), 0))
    if d.weekday() == 5:
        for b in range(n_branches):
            narration = f"CASH DEPOSIT BY SELF CLINIC {b + 1:02d}"
            entries.append(BankEntry(17 * 3600 + b * 60, narration, ref_no(rng), 0, vary(volume * 150_00)))
    if (date.fromordinal(day + 1)).day == 1:
        narration = f"SALARY {month} {d:%Y} BULK NEFT BATCH {rng.randrange(100, 999)}"
        entries.append(BankEntry(18 * 3600, narration, ref_no(rng), vary(n_branches * volume * 10_000_00), 0))
    return entries
