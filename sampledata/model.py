"""The synthetic clinic chain: tenant, branches, doctors, gateway contract and the ledger entities."""

from __future__ import annotations

import random
from dataclasses import dataclass

from core.vocabulary import PAYMENT_METHODS

TENANT_ID = "tnt_arogya"
CHAIN_NAME = "Arogya Clinics"
GATEWAY = "razorpay"
CURRENCY = "INR"
METHODS = PAYMENT_METHODS
METHOD_WEIGHTS = (60, 22, 9, 9)
MDR_BPS = {"upi": 100, "card": 200, "wallet": 190, "netbanking": 190}
GST_BPS = 1800
SETTLEMENT_DAYS = 2
REFUND_SLA_DAYS = 7

CARD_NETWORKS = ("Visa", "MasterCard", "RuPay", "Amex")
CARD_NETWORK_WEIGHTS = (45, 35, 17, 3)
CARD_ISSUERS = ("HDFC", "ICIC", "SBIN", "UTIB", "KKBK", "INDB")
CARD_TYPES = ("debit", "credit")

_UUID_VARIANT = "89ab"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# code, city, state, localities
CITIES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("blr", "Bengaluru", "Karnataka", ("Indiranagar", "Jayanagar", "Whitefield", "HSR Layout")),
    ("mum", "Mumbai", "Maharashtra", ("Andheri West", "Bandra", "Powai", "Chembur")),
    ("del", "New Delhi", "Delhi", ("Saket", "Dwarka", "Lajpat Nagar", "Rohini")),
    ("hyd", "Hyderabad", "Telangana", ("Banjara Hills", "Gachibowli", "Kukatpally", "Secunderabad")),
    ("che", "Chennai", "Tamil Nadu", ("Adyar", "Anna Nagar", "Velachery", "T Nagar")),
    ("pun", "Pune", "Maharashtra", ("Kothrud", "Viman Nagar", "Baner", "Hadapsar")),
    ("kol", "Kolkata", "West Bengal", ("Salt Lake", "Ballygunge", "New Town", "Behala")),
    ("ahm", "Ahmedabad", "Gujarat", ("Navrangpura", "Satellite", "Bopal", "Maninagar")),
    ("jai", "Jaipur", "Rajasthan", ("Malviya Nagar", "Vaishali Nagar", "C Scheme", "Mansarovar")),
    ("lko", "Lucknow", "Uttar Pradesh", ("Gomti Nagar", "Hazratganj", "Aliganj", "Indira Nagar")),
    ("koc", "Kochi", "Kerala", ("Edappally", "Kakkanad", "Vyttila", "Fort Kochi")),
    ("chd", "Chandigarh", "Chandigarh", ("Sector 17", "Sector 35", "Manimajra", "Sector 44")),
)

# specialty -> consultation fees (paise) a doctor of that specialty may charge
SPECIALTY_FEES: dict[str, tuple[int, ...]] = {
    "General Physician": (39_900, 45_000, 49_900, 55_000, 59_900),
    "Paediatrics": (49_900, 59_900, 65_000, 70_000),
    "Dermatology": (59_900, 75_000, 79_900, 99_900),
    "Gynaecology": (69_900, 80_000, 89_900, 1_00_000),
    "ENT": (49_900, 55_000, 69_900),
    "Orthopaedics": (69_900, 75_000, 99_900),
    "Cardiology": (99_900, 1_20_000, 1_49_900),
    "Psychiatry": (1_00_000, 1_25_000, 1_49_900),
    "Dentistry": (29_900, 35_000, 45_000),
}
FIRST_NAMES = (
    "Ananya", "Rohan", "Priya", "Vikram", "Meera", "Arjun", "Kavya", "Siddharth", "Lakshmi", "Farhan",
    "Neha", "Rahul", "Divya", "Karthik", "Sneha", "Aditya", "Pooja", "Imran", "Shalini", "Manoj",
)  # fmt: skip
LAST_NAMES = (
    "Rao", "Sharma", "Iyer", "Reddy", "Menon", "Gupta", "Nair", "Khan", "Patel", "Banerjee",
    "Kulkarni", "Das", "Mehta", "Pillai", "Joshi", "Singh", "Chatterjee", "Naidu", "Bhat", "Verma",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Branch:
    index: int
    branch_id: str
    name: str
    city: str
    state: str


@dataclass(frozen=True, slots=True)
class Doctor:
    doctor_id: str
    branch_id: str
    name: str
    specialty: str
    fee_paise: int


@dataclass(frozen=True, slots=True)
class Chain:
    tenant_id: str
    branches: tuple[Branch, ...]
    doctors: tuple[tuple[Doctor, ...], ...]  # indexed by Branch.index


@dataclass(slots=True)
class Payment:
    """A captured payment (`payment.deposit.paid` / `payment.balance.paid`)."""

    payment_id: str
    order_id: str
    booking_id: str
    patient_id: str
    branch: Branch
    amount: int
    method: str
    captured_ms: int
    purpose: str
    card: tuple[str, str, str] | None
    reserved: bool = False  # part of an injected anomaly: not eligible for another one
    is_duplicate: bool = False


@dataclass(slots=True)
class Refund:
    """A refund, keyed by the `refund_id` of `payment.refund.initiated`."""

    refund_id: str
    payment: Payment
    amount: int
    initiated_ms: int
    reason: str
    reserved: bool = False


class IdFactory:
    """Razorpay-style and UUID ids drawn from the generator's single seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self._choices = rng.choices
        self._bits = rng.getrandbits

    def razorpay(self, prefix: str) -> str:
        return prefix + "".join(self._choices(_BASE62, k=14))

    def event_id(self) -> str:
        """A random (version 4) UUID string; formatted by hand, twice as fast as `uuid.UUID`."""
        h = f"{self._bits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_UUID_VARIANT[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def build_chain(rng: random.Random, n_branches: int, tenant_id: str = TENANT_ID) -> Chain:
    branches: list[Branch] = []
    doctors: list[tuple[Doctor, ...]] = []
    specialties = tuple(SPECIALTY_FEES)
    for i in range(n_branches):
        code, city, state, localities = CITIES[i % len(CITIES)]
        number = i // len(CITIES) + 1
        branch = Branch(
            index=i,
            branch_id=f"br_{code}{number:02d}",
            name=f"{CHAIN_NAME} {localities[(number - 1) % len(localities)]}",
            city=city,
            state=state,
        )
        branches.append(branch)
        picked = ["General Physician", *rng.sample(specialties[1:], rng.randint(2, 4))]
        doctors.append(
            tuple(
                Doctor(
                    doctor_id=f"doc_{branch.branch_id[3:]}_{j + 1:02d}",
                    branch_id=branch.branch_id,
                    name=f"Dr. {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    specialty=specialty,
                    fee_paise=rng.choice(SPECIALTY_FEES[specialty]),
                )
                for j, specialty in enumerate(picked)
            )
        )
    return Chain(tenant_id=tenant_id, branches=tuple(branches), doctors=tuple(doctors))
