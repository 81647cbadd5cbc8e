"""Cashless insurance claims for the HIS's inpatient episodes (issue 13, docs/claims-sample.md): a pre-auth at
admission, the claim after the final bill, the TPA's or insurer's decision, the settlement with TDS and the
remittance advice, through two TPAs' exports (CSV and NDJSON) and NHCX. Injected: a partial approval with
deduction lines, TDS rounding at half a rupee, a denial, a query cycle (on NHCX by Communication messages), a
pre-auth enhancement on NHCX, a late event, a duplicate NHCX delivery, a short payment, a settlement whose bank credit is missing, a remittance no settlement carries and a
decision never paid. The settlements credit the chain's bank account (UTR in the narration).

Draws only from its own RNG (seeded from the sample's seed), after the HIS and its bills are simulated:
adding claims changes no other file but the bank statement (the credits) and ground_truth.json. Money is
integer paise; TDS is section 194J's 10% of the gross payment, rounded to the nearest rupee (section 288B:
50 paise and more round up). The truth is written from the generator's own account of each claim (what it
meant each event to do, the state named by the contract's table ingestion.claims_state.STATE_AFTER), not by
running the platform's fold.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date

from ingestion.claims_state import STATE_AFTER

from .adt import Visit, branch_code
from .billing import Bill
from .clock import HOUR_MS, MINUTE_MS, iso_day, ist_day_of_ms, ist_midnight_ms, rfc3339_ms
from .ground_truth import OneLinePerItem

# The claim channels: a TPA export read through its mapping (claims/tpa/<tpa>/), or NHCX (claims/nhcx/).
CSV_TPA, NDJSON_TPA, NHCX = "sahay", "careline", "nhcx"
CHANNELS = (CSV_TPA, NDJSON_TPA, NHCX)
TPA_NAMES = {CSV_TPA: "Sahay Health TPA", NDJSON_TPA: "Careline TPA"}
# Insurers: (name, NHCX participant code). A TPA's export names the insurer, NHCX gives its code.
INSURERS = (
    ("Suraksha General Insurance", "1000004101@hcx"),
    ("Janata Health Insurance", "1000004102@hcx"),
    ("Kaveri General Insurance", "1000004103@hcx"),
)
HOSPITAL_CODE = "1000009001@hcx"  # the chain's NHCX participant code
TDS_RATE_PERCENT = 10  # section 194J (fees for professional services), on the gross payment
# The sample's service levels (reference/claim_slas.csv, one default row): the insurer decides within 24 h of
# the claim's submission and pays within 7 days (168 h) of it; the marts' due times and the truth's statuses.
DECISION_SLA_HOURS = 24
SETTLEMENT_DUE_DAYS = 7
SETTLEMENT_SLA_HOURS = SETTLEMENT_DUE_DAYS * 24
NEFT_BANKS = ("SBIN", "HDFC", "ICIC", "UTIB", "KKBK")
DEDUCTION_REASONS = (
    ("NME", "Non-medical expenses"),
    ("RRP", "Room rent proportionate deduction"),
    ("PKG", "Charges above the package rate"),
)
DENIAL_REASONS = (("EXC-PED", "Pre-existing disease within the waiting period"),)
QUERY_REASON = ("Q-DS", "Discharge summary and final bill breakup required")

# Scenario slots, in the order they are given to the claims (the first eligible claim in visit order takes
# a slot): the tags, the channels allowed, and how far the claim's story must fit before the period ends.
CLEAN, PARTIAL, TDS_ROUNDING, DENIAL = "clean", "partial_approval", "tds_rounding", "denial"
QUERY, LATE, DUPLICATE, SHORT = "query_cycle", "late_events", "duplicate_delivery", "short_payment"
MISSING_CREDIT, ORPHAN, OVERDUE = "missing_bank_credit", "orphan_remittance", "overdue"
ENHANCEMENT = "preauth_enhancement"
# An enhancement raises the pre-authorised amount during the stay: asked a third of the way from the
# pre-auth's approval to the claim's submission, approved halfway from the ask to the submission, for the
# estimate plus a quarter (at least ₹10,000), in thousands of rupees. No draws: the other claims stay as they were.
ENHANCEMENT_MIN_GAP_MS = 6 * HOUR_MS
TPAS = (CSV_TPA, NDJSON_TPA)
SLOTS: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...] = (
    ((CLEAN,), (CSV_TPA,), "settle"),
    ((PARTIAL, TDS_ROUNDING), CHANNELS, "settle"),
    ((DENIAL,), CHANNELS, "decide"),
    ((QUERY,), TPAS, "settle"),
    ((QUERY, LATE), TPAS, "settle"),
    ((DUPLICATE,), (NHCX,), "settle"),
    ((SHORT,), CHANNELS, "settle"),
    ((MISSING_CREDIT,), CHANNELS, "settle"),
    ((ORPHAN,), TPAS, "settle"),
    ((OVERDUE,), CHANNELS, "overdue"),
    ((QUERY,), (NHCX,), "settle"),  # the query cycle by CommunicationRequest and Communication
    ((ENHANCEMENT,), (NHCX,), "settle"),
)
SCENARIOS = tuple(dict.fromkeys(t for tags, _, _ in SLOTS for t in tags))
# What the settlement recon must say (docs/claims-sample.md); None: no money is due on the claim.
RECON_STATUSES = ("matched", "short_paid", "in_transit", "overdue", "bank_unmatched", "orphan_remittance")


def tds_on(gross_paise: int) -> int:
    """10% of the gross payment rounded to the nearest rupee, half a rupee up (paise)."""
    return (gross_paise * TDS_RATE_PERCENT + 5_000) // 10_000 * 100


@dataclass(slots=True)
class Step:
    """One lifecycle event as the generator emits it, and what it leaves the claim as."""

    at_ms: int
    event: str  # a claim event type (ingestion/claim_event.py)
    requested: int | None = None
    approved: int | None = None
    deducted: int | None = None
    paid: int | None = None
    tds: int | None = None
    deductions: tuple[tuple[str, str, int], ...] = ()
    reason_code: str = ""
    remarks: str = ""
    utr: str = ""
    file_day: int = 0  # the IST day of the file it is delivered in (its event day unless late)
    message_id: str = ""  # TPA: the export's event id
    deliveries: int = 1  # NHCX: how many times the message is delivered (a redelivery is the same row)

    @property
    def kind(self) -> str:
        return "preauth" if self.event.startswith("preauth_") else "claim"


@dataclass(slots=True)
class Claim:
    claim_id: str
    visit: Visit
    channel: str
    insurer: str
    insurer_code: str
    policy_number: str
    tags: tuple[str, ...] = ()
    steps: list[Step] = field(default_factory=list)
    bank_credit: tuple[int, int, str] | None = None  # (time, paise, narration) of the bank's credit

    @property
    def tpa(self) -> str:
        return TPA_NAMES.get(self.channel, "")

    @property
    def source(self) -> str:
        return "nhcx" if self.channel == NHCX else f"tpa/{self.channel}"

    @property
    def stated_insurer(self) -> str:
        return self.insurer_code if self.channel == NHCX else self.insurer


@dataclass(slots=True)
class Plan:
    """A claim's times, drawn for every claim before the scenarios are given out."""

    preauth_ms: int
    preauth_ok_ms: int
    estimate: int
    bill_net: int | None = None
    submit_ms: int = 0
    query_ms: int = 0
    answer_ms: int = 0
    decide_gap_ms: int = 0
    settle_days: int = 0
    settle_at_ms: int = 0  # time of day after IST midnight
    remit_gap_ms: int = 0

    def decide_ms(self, query: bool) -> int:
        return (self.answer_ms if query else self.submit_ms) + self.decide_gap_ms

    def settle_ms(self, query: bool) -> int:
        return ist_midnight_ms(ist_day_of_ms(self.decide_ms(query)) + self.settle_days) + self.settle_at_ms

    def remit_ms(self, query: bool) -> int:
        return self.settle_ms(query) + self.remit_gap_ms


def _s(ms: int) -> int:
    return ms - ms % 1000


def enhancement_steps(plan: Plan) -> list[Step]:
    """The enhancement's request (the new total asked) and its approval (the new total approved)."""
    asked = _s(plan.preauth_ok_ms + (plan.submit_ms - plan.preauth_ok_ms) // 3)
    approved = _s(asked + (plan.submit_ms - asked) // 2)
    total = (plan.estimate + max(10_000_00, plan.estimate // 4)) // 1_000_00 * 1_000_00
    return [
        Step(asked, "preauth_enhanced", requested=total),
        Step(approved, "preauth_enhanced", requested=total, approved=total),
    ]


def final_bills(bills: list[Bill]) -> dict[str, tuple[int, int]]:
    """visit number -> (delivery time, net total in paise) of its final bill (first delivery, well-formed)."""
    out: dict[str, tuple[int, int]] = {}
    for b in bills:
        if b.kind != "final" or b.malformed or b.visit.visit_number in out:
            continue
        charges = sum(x.amount_paise for x in b.lines if x.kind == "CG")
        credits = sum(abs(x.amount_paise) for x in b.lines if x.kind == "CD")
        adjustments = sum(x.amount_paise for x in b.lines if x.kind == "AJ")
        out[b.visit.visit_number] = (b.message_ms, charges - credits + adjustments)
    return out


class ClaimsSimulator:
    def __init__(self, seed: int, end_ms: int, as_of_day: int) -> None:
        self.rng = random.Random(f"claims:{seed}")  # its own stream
        self.end_ms = end_ms
        self.last_day = ist_day_of_ms(end_ms)
        self.as_of_day = as_of_day
        self._seq = self.rng.randrange(10_000, 90_000)
        self._utr_seq = self.rng.randrange(100_000, 400_000)

    # -- ids ---------------------------------------------------------------------------------------
    def _next(self) -> int:
        self._seq += self.rng.randint(1, 9)
        return self._seq

    def _utr(self, day: int) -> str:
        """A NEFT UTR: bank code, N, year, day of year, sequence (e.g. SBINN26288123456)."""
        self._utr_seq += self.rng.randint(1, 97)
        d = date.fromordinal(day)
        return f"{self.rng.choice(NEFT_BANKS)}N{d:%y}{d.timetuple().tm_yday:03d}{self._utr_seq:06d}"

    def uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    # -- simulation --------------------------------------------------------------------------------
    def simulate(self, visits: list[Visit], bills: list[Bill]) -> list[Claim]:
        rng = self.rng
        finals = final_bills(bills)
        inpatients = sorted((v for v in visits if v.patient_class == "I"), key=lambda v: v.visit_number)
        claims: list[Claim] = []
        plans: list[Plan] = []
        for i, v in enumerate(inpatients):
            channel = CHANNELS[i % len(CHANNELS)]
            insurer, code = rng.choice(INSURERS)
            prefix = {CSV_TPA: "SHY", NDJSON_TPA: "CRL", NHCX: "NHX"}[channel]
            claim = Claim(
                claim_id=f"{prefix}-{branch_code(v.branch)}-{self._next():06d}",
                visit=v,
                channel=channel,
                insurer=insurer,
                insurer_code=code,
                policy_number=f"POL/{rng.randrange(10**7, 10**8)}/{rng.randint(1, 4)}",
            )
            plans.append(self._plan(v, finals.get(v.visit_number)))
            claims.append(claim)
        self._give_out(claims, plans)
        for claim, plan in zip(claims, plans, strict=True):
            self._story(claim, plan)
        return [c for c in claims if c.steps]

    def _plan(self, v: Visit, final: tuple[int, int] | None) -> Plan:
        rng = self.rng
        preauth = _s(v.admit_ms + rng.randrange(HOUR_MS, 3 * HOUR_MS))
        plan = Plan(
            preauth_ms=preauth,
            preauth_ok_ms=_s(preauth + rng.randrange(HOUR_MS, 4 * HOUR_MS)),
            estimate=0,
            decide_gap_ms=rng.randrange(2 * HOUR_MS, 10 * HOUR_MS),
            settle_days=rng.randint(1, 4),
            settle_at_ms=rng.randrange(11 * HOUR_MS, 16 * HOUR_MS),
            remit_gap_ms=rng.randrange(30 * MINUTE_MS, 3 * HOUR_MS),
        )
        plan.query_ms = rng.randrange(2 * HOUR_MS, 8 * HOUR_MS)  # gaps, made times below
        plan.answer_ms = rng.randrange(4 * HOUR_MS, 30 * HOUR_MS)
        # the pre-auth asks for the treating doctor's estimate, in thousands of rupees: near the final bill
        plan.estimate = rng.randrange(20, 80) * 1_000_00
        if final is not None:
            bill_ms, net = final
            plan.estimate = (net * rng.randint(90, 130) // 100 // 1_000_00 + 1) * 1_000_00
            plan.bill_net = net
            plan.submit_ms = _s(bill_ms + rng.randrange(20 * MINUTE_MS, 90 * MINUTE_MS))
            plan.query_ms = _s(plan.submit_ms + plan.query_ms)
            plan.answer_ms = _s(plan.query_ms + plan.answer_ms)
        return plan

    def _fits(self, plan: Plan, tags: tuple[str, ...], need: str) -> bool:
        if plan.bill_net is None:
            return False
        query = QUERY in tags
        if need == "decide":
            return plan.decide_ms(query) <= self.end_ms
        if need == "overdue":  # decided, and the settlement's due time passed before the as-of day ended
            due = plan.submit_ms + SETTLEMENT_SLA_HOURS * HOUR_MS
            return plan.decide_ms(query) <= self.end_ms and due < as_of_end_ms(self.as_of_day)
        if LATE in tags and ist_day_of_ms(plan.answer_ms) + 1 > self.last_day:
            return False
        if ENHANCEMENT in tags and plan.submit_ms - plan.preauth_ok_ms < ENHANCEMENT_MIN_GAP_MS:
            return False
        return plan.remit_ms(query) + HOUR_MS <= self.end_ms

    def _give_out(self, claims: list[Claim], plans: list[Plan]) -> None:
        for tags, channels, need in SLOTS:
            for claim, plan in zip(claims, plans, strict=True):
                if not claim.tags and claim.channel in channels and self._fits(plan, tags, need):
                    claim.tags = tags
                    break

    # -- one claim's story -------------------------------------------------------------------------
    def _story(self, c: Claim, plan: Plan) -> None:
        rng = self.rng
        tags = c.tags
        steps = [
            Step(plan.preauth_ms, "preauth_requested", requested=plan.estimate),
            Step(plan.preauth_ok_ms, "preauth_approved", approved=plan.estimate),
        ]
        if ENHANCEMENT in tags:
            steps.extend(enhancement_steps(plan))
        if plan.bill_net is not None:
            requested = plan.bill_net
            steps.append(Step(plan.submit_ms, "claim_submitted", requested=requested))
            query = QUERY in tags
            if query:
                code, text = QUERY_REASON
                steps.append(Step(plan.query_ms, "query_raised", reason_code=code, remarks=text))
                steps.append(Step(plan.answer_ms, "query_answered", remarks="Documents uploaded"))
            decided = _s(plan.decide_ms(query))
            approved = requested
            if DENIAL in tags:
                code, text = DENIAL_REASONS[0]
                steps.append(Step(decided, "denied", approved=0, reason_code=code, remarks=text))
                approved = 0
            elif PARTIAL in tags:
                lines = self._deductions(requested, TDS_ROUNDING in tags)
                deducted = sum(a for _, _, a in lines)
                approved = requested - deducted
                steps.append(
                    Step(
                        decided,
                        "approved_partial",
                        requested=requested,
                        approved=approved,
                        deducted=deducted,
                        deductions=lines,
                    )
                )
            else:
                steps.append(Step(decided, "approved_full", requested=requested, approved=requested))
            if approved and OVERDUE not in tags:
                gross = approved
                if SHORT in tags:
                    gross -= rng.choice((500_00, 1_000_00, max(100_00, approved // 20 // 100 * 100)))
                tds = tds_on(gross)
                net = gross - tds
                settled = _s(plan.settle_ms(query))
                utr = self._utr(ist_day_of_ms(settled))
                if ORPHAN not in tags:
                    steps.append(Step(settled, "settled", paid=net, tds=tds, utr=utr))
                if c.channel == NHCX or rng.random() < 0.75 or ORPHAN in tags:
                    remit = _s(plan.remit_ms(query))
                    steps.append(Step(remit, "remittance_line", paid=net, tds=tds, utr=utr))
                if MISSING_CREDIT not in tags:
                    payer = c.insurer.upper()
                    narration = rng.choice(
                        (
                            f"NEFT CR-{utr}-{payer}-CLAIM SETTLEMENT",
                            f"NEFT CR-{utr[:4]}0000{rng.randrange(100, 999)}-{payer}-MYMEDIC HOSPITALS-{utr}",
                        )
                    )
                    at = settled + rng.randrange(5 * MINUTE_MS, 40 * MINUTE_MS)
                    c.bank_credit = (at, net, narration)
        kept = [s for s in steps if s.at_ms <= self.end_ms]
        for s in kept:
            s.file_day = ist_day_of_ms(s.at_ms)
            if c.channel != NHCX:
                s.message_id = f"{c.channel[:2].upper()}{self._next():08d}"
        if c.bank_credit is not None and not any(s.paid for s in kept):
            c.bank_credit = None  # the payment lies after the period
        if LATE in tags:
            raised = next(s for s in kept if s.event == "query_raised")
            raised.file_day = ist_day_of_ms(plan.answer_ms) + 1  # exported after its answer
        if DUPLICATE in tags:
            decision = next(s for s in kept if s.event.startswith("approved_"))
            decision.deliveries = 3  # NHCX redelivers: the same correlation id, other API call ids
        c.steps = kept

    def _deductions(self, requested: int, tds_rounding: bool) -> tuple[tuple[str, str, int], ...]:
        """Two deduction lines; with tds_rounding the approved amount ends in ₹5.00 on the tens (its 10% TDS
        falls at exactly 50 paise, which rounds up)."""
        rng = self.rng
        first = rng.randrange(500_00, 3_000_00)
        second = rng.randrange(1_000_00, 5_000_00)
        if tds_rounding:
            second += (requested - first - second - 500) % 1000
        (c1, r1), (c2, r2) = rng.sample(DEDUCTION_REASONS, 2)
        return ((c1, r1, first), (c2, r2, second))


# -- truth ------------------------------------------------------------------------------------------
AMOUNTS = (
    "requested_paise",
    "preauth_approved_paise",
    "approved_paise",
    "deducted_paise",
    "paid_paise",
    "tds_paise",
    "remitted_paise",
    "remitted_tds_paise",
)


def _known(c: Claim) -> list[tuple[int, dict]]:
    """(time, the claim as known then) after each of its events: what the generator meant each to do. NHCX's
    PaymentNotice states the amount paid, not the TDS (its PaymentReconciliation does)."""
    now: dict = {"state": "", **dict.fromkeys(AMOUNTS, 0), "reason_code": "", "utr": ""}
    out = []
    for s in sorted(c.steps, key=lambda s: s.at_ms):
        now = dict(now)
        if s.event in ("preauth_requested", "claim_submitted"):
            now["requested_paise"] = s.requested
        elif s.event in ("preauth_approved", "preauth_enhanced"):
            if s.approved is not None:  # an enhancement's request approves nothing yet
                now["preauth_approved_paise"] = s.approved
        elif s.event == "query_raised":
            now["reason_code"] = s.reason_code
        elif s.event in ("approved_full", "approved_partial"):
            now.update(approved_paise=s.approved, deducted_paise=s.deducted or 0, reason_code="")
        elif s.event == "denied":
            now.update(approved_paise=0, deducted_paise=0, reason_code=s.reason_code)
        elif s.event == "settled":
            now["paid_paise"] += s.paid
            now["tds_paise"] += 0 if c.channel == NHCX else s.tds
            now["utr"] = s.utr
        elif s.event == "remittance_line":
            now["remitted_paise"] += s.paid
            now["remitted_tds_paise"] += s.tds
            now["utr"] = now["utr"] or s.utr
        now["state"] = STATE_AFTER[s.event] or now["state"]
        out.append((s.at_ms, now))
    return out


def as_of_end_ms(as_of_day: int) -> int:
    """The end of the as-of IST day: the instant the marts time open claims and due times to."""
    return ist_midnight_ms(as_of_day + 1)


def _first(c: Claim, *events: str) -> Step | None:
    return next((s for s in c.steps if s.event in events), None)


def sla_breaches(c: Claim, final: dict, as_of_day: int) -> tuple[bool, bool]:
    """(decision, settlement) service level breached (docs/claims.md "Service levels", the sample's levels):
    decided (settled) after submission + the hours, or not yet and the end of the as-of day is past that. A
    claim never submitted breaches neither; a denied one owes no settlement."""
    submitted = _first(c, "claim_submitted")
    if submitted is None:
        return False, False
    end = as_of_end_ms(as_of_day)
    decision = _first(c, "approved_full", "approved_partial", "denied")
    settlement = _first(c, "settled")
    decided_at = end if decision is None else decision.at_ms
    decision_late = decided_at > submitted.at_ms + DECISION_SLA_HOURS * HOUR_MS
    if decision is not None and final["approved_paise"] == 0:
        return decision_late, False
    settled_at = end if settlement is None else settlement.at_ms
    return decision_late, settled_at > submitted.at_ms + SETTLEMENT_SLA_HOURS * HOUR_MS


def recon_status(c: Claim, final: dict, as_of_day: int) -> str | None:
    """The settlement recon's status of a claim (docs/claims-sample.md); None when no money is due."""
    paid = _first(c, "settled")
    remitted = _first(c, "remittance_line") is not None
    decision = _first(c, "approved_full", "approved_partial")
    if paid is not None:
        if paid.paid + paid.tds < final["approved_paise"]:
            return "short_paid"
        if c.bank_credit is None or c.bank_credit[1] != paid.paid:
            return "bank_unmatched"
        return "matched"
    if decision is None:
        return None
    if remitted:
        return "orphan_remittance"
    submitted = _first(c, "claim_submitted")
    assert submitted is not None  # the generator decides only submitted claims
    due = submitted.at_ms + SETTLEMENT_SLA_HOURS * HOUR_MS
    return "in_transit" if as_of_end_ms(as_of_day) <= due else "overdue"


def _utc(ms: int) -> str:
    return rfc3339_ms(ms).replace(".000Z", "Z")


def _utc_of(step: Step | None) -> str | None:
    return None if step is None else _utc(step.at_ms)


def claim_truth(c: Claim, as_of_day: int) -> dict:
    known = _known(c)
    final = known[-1][1]
    tds = next((s.tds for s in c.steps if s.tds is not None), 0)
    decision_late, settlement_late = sla_breaches(c, final, as_of_day)
    # replay: halfway between consecutive events, the claim as known then
    replay = [
        {"at": _utc(_s((at + nxt) // 2)), **state}
        for (at, state), (nxt, _) in itertools.pairwise(known)
        if nxt - at >= 2000
    ]
    return {
        "claim_id": c.claim_id,
        "source": c.source,
        "tpa": c.tpa,
        "insurer": c.stated_insurer,
        "branch_id": c.visit.branch.branch_id,
        "visit_number": c.visit.visit_number,
        "scenarios": list(c.tags),
        **final,
        "tds_withheld_paise": tds,
        "bank_credit_paise": None if c.bank_credit is None else c.bank_credit[1],
        "recon_status": recon_status(c, final, as_of_day),
        "decision_sla_breached": decision_late,
        "settlement_sla_breached": settlement_late,
        "events": len(c.steps),
        # the first submission, decision (approved or denied) and settlement, UTC; null when none came
        "submitted_at": _utc_of(_first(c, "claim_submitted")),
        "decided_at": _utc_of(_first(c, "approved_full", "approved_partial", "denied")),
        "settled_at": _utc_of(_first(c, "settled")),
        "as_of": replay,
    }


def claims_truth(claims: list[Claim], as_of_day: int, quarantine: list[dict], bank_file: str) -> dict:
    """The `claims` section of ground_truth.json (docs/claims-sample.md)."""
    rows = [claim_truth(c, as_of_day) for c in claims]
    tpa = [c for c in claims if c.channel != NHCX]
    nhcx = [c for c in claims if c.channel == NHCX]
    credits = [
        {
            "claim_id": c.claim_id,
            "utr": next(s.utr for s in c.steps if s.utr),
            "day": iso_day(ist_day_of_ms(c.bank_credit[0])),
            "credit_paise": c.bank_credit[1],
        }
        for c in claims
        if c.bank_credit is not None
    ]
    return {
        "as_of": iso_day(as_of_day),
        "settlement_due_days": SETTLEMENT_DUE_DAYS,
        "decision_sla_hours": DECISION_SLA_HOURS,
        "settlement_sla_hours": SETTLEMENT_SLA_HOURS,
        "tds_rule": "section 194J: 10% of the gross payment, rounded to the nearest rupee, 50 paise up",
        "bank_statement": bank_file,
        "scenarios": {tag: [c.claim_id for c in claims if tag in c.tags] for tag in SCENARIOS},
        # records in the files (the malformed ones included) and the rows they must store
        "records": {
            "claims_tpa": sum(len(c.steps) for c in tpa) + sum(1 for q in quarantine if "/tpa/" in q["file"]),
            "claims_nhcx": sum(s.deliveries for c in nhcx for s in c.steps)
            + sum(1 for q in quarantine if "/nhcx/" in q["file"]),
        },
        "stored_events": {
            "claims_tpa": sum(len(c.steps) for c in tpa),
            "claims_nhcx": sum(len(c.steps) for c in nhcx),
        },
        "expected_quarantine": quarantine,
        "bank_credits": OneLinePerItem(credits),
        "claims": OneLinePerItem(rows),
    }
