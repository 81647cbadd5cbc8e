"""The chain's bank statement: settlement credits (UTR in the narration), overheads, running balance.

Written in the platform's own layout (`bank/statement_<account>.csv`, the header from the feed spec) or,
with a bank profile, as that bank delivers it (`bank/<profile>/statement_<account>.csv`: a header block
naming the account, the profile's table header, its date format, a footer): the same lines either way.
"""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path
from typing import NamedTuple

from ingestion.feeds.bank_statements.profile import BUILT_IN, DEFAULT, BankProfile
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


def statement_path(bank_dir: Path, account: str, profile: str = DEFAULT) -> Path:
    folder = bank_dir if profile == DEFAULT else bank_dir / profile
    return folder / f"statement_{account}.csv"


class BankStatement:
    def __init__(
        self, path: Path, opening_balance_paise: int, profile: str = DEFAULT, account: str = ""
    ) -> None:
        if profile not in BUILT_IN:
            raise ValueError(f"no bank profile {profile!r}; one of {', '.join(BUILT_IN)}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.profile: BankProfile | None = None if profile == DEFAULT else BUILT_IN[profile]
        self.balance = opening_balance_paise
        self.lines = 0
        self.last_day: int | None = None
        self._fh = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._fh, lineterminator="\n")
        if self.profile is None:
            self._writer.writerow(HEADER)
            return
        # the bank's header block, naming the account the way the profile reads it
        self._writer.writerow([self.profile.bank])
        self._writer.writerow(["Account Statement"])
        self._writer.writerow([f"{self.profile.account_labels[0]} :", account])
        self._writer.writerow(["Currency :", "INR"])
        self._writer.writerow([self.profile.columns[field][0] for field in self.profile.columns])
        self._opened = False

    def _row(self, day: date, narration: str, ref: str, debit: int, credit: int) -> list[str]:
        profile = self.profile
        if profile is None:
            stamp = f"{day:%d/%m/%Y}"
            debit_text, credit_text = (rupees(debit) if debit else "", rupees(credit) if credit else "")
            return [stamp, stamp, narration, ref, debit_text, credit_text, rupees(self.balance)]
        values = {
            "txn_date": profile.date_text(day),
            "value_date": profile.date_text(day),
            "narration": narration,
            "ref_no": ref,
            "debit": rupees(debit) if debit else "",
            "credit": rupees(credit) if credit else "",
            "amount": rupees(debit or credit),
            "dr_cr": profile.debit_marks[0] if debit else profile.credit_marks[0],
            "balance": rupees(self.balance),
        }
        return [values[field] for field in profile.columns]

    def write_day(self, day: int, entries: list[BankEntry]) -> None:
        if not entries:
            return
        if self.profile is not None and not self._opened and self.profile.carried_balance:
            # the balance brought forward, as such banks open a statement (not a transaction)
            opening = self._row(date.fromordinal(day), self.profile.carried_balance[0], "", 0, 0)
            self._writer.writerow([v if f not in ("debit", "credit", "amount", "dr_cr") else ""
                                   for f, v in zip(self.profile.columns, opening, strict=True)])  # fmt: skip
        self._opened = True
        for e in sorted(entries, key=lambda e: e.at_s):
            self.balance += e.credit - e.debit
            self._writer.writerow(self._row(date.fromordinal(day), e.narration, e.ref_no, e.debit, e.credit))
        self.lines += len(entries)
        self.last_day = day

    def close(self) -> None:
        if self.profile is not None and not self._fh.closed:
            if self.profile.footer_markers:
                self._writer.writerow([self.profile.footer_markers[0]])
            self._writer.writerow(["Closing Balance", rupees(self.balance)])
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
