"""`write_sample`: one clinic chain's events, settlements, bank statement, reference data and ground truth."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

from . import anomalies as an
from . import ground_truth as gtr
from .adt import HisSimulator
from .adt_wire import (
    ADT_DIR,
    ADT_FORMATS,
    CSV_DIR,
    FHIR_DIR,
    MAPPING_FILES,
    declared_mapping_files,
    write_adt,
    write_mappings,
)
from .bank import BankEntry, BankStatement, overheads, ref_no, settlement_credit, statement_path
from .billing import BILLING_DIR, Billing, BillingSimulator, expected_bills, write_billing, write_services
from .billing import CSV_DIR as BILLING_CSV_DIR
from .claim_documents import DOCUMENTS_DIR, REQUIREMENTS_FILE, file_documents, write_documents
from .claims import TPAS, ClaimsSimulator, claims_truth
from .claims_wire import NHCX_DIR, SLAS_FILE, TPA_DIR, write_claim_slas, write_claims
from .clock import iso_day, ist_day_of_ms, ist_midnight_ms, ist_midnight_s
from .events import BookingSimulator, EventSink, Ledger
from .messaging import MessagingSimulator
from .messaging_truth import messaging_truth
from .messaging_wire import PROVIDER_DIRS, write_message_rates, write_provider_logs
from .model import (
    CARD_ISSUERS,
    CARD_NETWORKS,
    CARD_TYPES,
    GST_BPS,
    MDR_BPS,
    METHOD_WEIGHTS,
    METHODS,
    REFUND_SLA_DAYS,
    SETTLEMENT_DAYS,
    SPECIALTY_FEES,
    TENANT_ID,
    Branch,
    Chain,
    IdFactory,
    Payment,
    Refund,
    build_chain,
)
from .money import apply_bps, rupees
from .reference import BRANCHES_FILE, CONTRACT_FILE, DOCTORS_FILE, REFERENCE_SPEC, write_reference
from .settlements import (
    CASHFREE_DIR,
    SETTLEMENT_PROFILES,
    CashfreeSettlementFile,
    Orphan,
    Settlement,
    SettlementBuilder,
    SettlementFile,
    contract_fee,
)

EVENTS_DIR = "events"
SETTLEMENTS_DIR = "settlements/razorpay"
BANK_DIR = "bank"
REFERENCE_DIR = "reference"
GROUND_TRUTH_FILE = "ground_truth.json"
_SCRATCH_FILE = ".ground_truth.statuses.tmp"


def write_sample(
    out: Path,
    *,
    seed: int = 42,
    branches: int = 3,
    days: int = 30,
    start: date = date(2026, 10, 1),
    bookings_per_branch_day: int = 20,
    progress: Callable[[int, int], None] | None = None,
    settlement_profile: str = "recon_csv",
    bank_profile: str = "mymedic",
    tenant: str = TENANT_ID,
    adt_format: str = "hl7",
    mapping_files: bool | None = None,
    messages: bool = True,
    claims: bool = False,
) -> dict:
    """Write a sample data directory for one clinic chain and its ground truth; return a summary.

    Deterministic: the same arguments give byte-identical files. `progress(done_days, days)` is called
    after each simulated day. `settlement_profile` is the format of the Razorpay settlement files (see
    `SettlementFile`), or `mixed`: each day's file in the next format in turn. `bank_profile` writes the
    bank statement in a bank's layout (`bank/<profile>/`, e.g. hdfc;
    ingestion/feeds/bank_statements/profiles/); the lines are the same. `tenant` is the chain's tenant id
    (a second chain in the same warehouse: another tenant and another seed, in its own folder).
    `adt_format` is the wire format of the HIS's ADT feed (hl7: adt/*.hl7, fhir: adt/fhir/, csv:
    adt/csv/arghis/, none: no ADT and no mapping files); the episodes are the same in every format.
    With ADT, the mapping files of its codes go to reference/<stem>.csv: those the reference feed declares
    (`mapping_files=None`), all of them (True) or none (False). `messages` (on by default) adds the patients'
    messages: `message.*` events among the others, the providers' delivery logs in messages/ and their rate
    card, reference/message_rates.csv (docs/messaging-sample.md); off, those files are not written.
    `claims` (off by default; needs ADT) adds cashless insurance claims for the inpatient episodes: two TPAs'
    exports and NHCX messages in claims/, their settlements' credits on the bank statement and a `claims`
    section in the ground truth (docs/claims-sample.md); off, every file is as without the option.
    """
    if settlement_profile not in (*SETTLEMENT_PROFILES, "mixed"):
        raise ValueError(f"settlement_profile must be one of {', '.join(SETTLEMENT_PROFILES)} or mixed")
    if adt_format not in ADT_FORMATS:
        raise ValueError(f"adt_format must be one of {', '.join(ADT_FORMATS)}")
    if claims and adt_format == "none":
        raise ValueError("claims need the ADT feed (their episodes): give an adt_format other than none")
    if branches < 1:
        raise ValueError("branches must be >= 1")
    if days < 1:
        raise ValueError("days must be >= 1")
    if bookings_per_branch_day < 0:
        raise ValueError("bookings_per_branch_day must be >= 0")
    out = Path(out)
    _remove_previous_output(out)
    out.mkdir(parents=True, exist_ok=True)
    run = _SampleRun(
        out, seed, branches, days, start, bookings_per_branch_day, settlement_profile, bank_profile, tenant
    )
    run.adt_format = adt_format
    run.mapping_stems = (
        declared_mapping_files() if mapping_files is None else tuple(MAPPING_FILES) if mapping_files else ()
    )
    if messages:
        run.messaging = MessagingSimulator(
            seed, run.chain, run.sink, run.first_day, run.last_day, days * bookings_per_branch_day
        )
        run.sink.on_emit = run.messaging.observe
    if claims:
        run.pending_bank = []  # the bank's days wait for the claims' settlement credits (finish)
    try:
        for i, day in enumerate(range(run.first_day, run.last_day + 1)):
            run.simulate_day(day)
            run.settle_day(day)
            if progress is not None:
                progress(i + 1, days)
        return run.finish()
    except BaseException:
        run.abort()
        raise


def _remove_previous_output(out: Path) -> None:
    """Delete files an earlier run may have left (only the generator's own file names)."""
    patterns = [
        (EVENTS_DIR, "*.ndjson"),
        (SETTLEMENTS_DIR, "*.csv"),
        (SETTLEMENTS_DIR, "*.json"),
        (CASHFREE_DIR, "*.csv"),
        (BANK_DIR, "statement_*.csv"),
        (BANK_DIR, "*/statement_*.csv"),
        (REFERENCE_DIR, BRANCHES_FILE),
        (REFERENCE_DIR, DOCTORS_FILE),
        (REFERENCE_DIR, CONTRACT_FILE),
        (".", GROUND_TRUTH_FILE),
        (".", _SCRATCH_FILE),
        (ADT_DIR, "*.hl7"),
        (FHIR_DIR, "*.ndjson"),
        (FHIR_DIR, "*.json"),
        (CSV_DIR, "*.csv"),
        (CSV_DIR, "mapping.yaml"),
        *((REFERENCE_DIR, f"{stem}.csv") for stem in MAPPING_FILES),
        (REFERENCE_DIR, "services.csv"),
        (REFERENCE_DIR, SLAS_FILE),
        (BILLING_DIR, "*.hl7"),
        (BILLING_CSV_DIR, "*.csv"),
        (BILLING_CSV_DIR, "mapping.yaml"),
        *(
            (directory, "*.ndjson" if provider == "meta" else "*.csv")
            for provider, directory in PROVIDER_DIRS.items()
        ),
        (NHCX_DIR, "*.ndjson"),
        (DOCUMENTS_DIR, "*.csv"),
        (DOCUMENTS_DIR, "*/*.pdf"),
        (str(Path(REQUIREMENTS_FILE).parent), Path(REQUIREMENTS_FILE).name),
        *((f"{TPA_DIR}/{tpa}", pattern) for tpa in TPAS for pattern in ("*.csv", "*.ndjson", "mapping.yaml")),
    ]
    for sub, pattern in patterns:
        directory = out / sub
        if directory.is_dir():
            for path in sorted(directory.glob(pattern)):
                path.unlink()


def _mark_duplicates(payments: list[Payment]) -> None:
    """Sort by (captured_at, payment_id); every later capture of an order already seen is a duplicate."""
    payments.sort(key=lambda p: (p.captured_ms, p.payment_id))
    seen: set[str] = set()
    for p in payments:
        p.is_duplicate = p.order_id in seen
        seen.add(p.order_id)


class _SampleRun:
    def __init__(
        self,
        out: Path,
        seed: int,
        n_branches: int,
        days: int,
        start: date,
        volume: int,
        settlement_profile: str = "recon_csv",
        bank_profile: str = "mymedic",
        tenant: str = TENANT_ID,
    ) -> None:
        self.out = out
        self.settlement_profile = settlement_profile
        self.seed = seed
        self.days = days
        self.start = start
        self.volume = volume
        self.first_day = start.toordinal()
        self.last_day = self.first_day + days - 1
        self.rng = rng = random.Random(seed)
        self.ids = ids = IdFactory(rng)
        self.chain: Chain = build_chain(rng, n_branches, tenant)
        self.reference_paths = write_reference(out / REFERENCE_DIR, self.chain)
        count = an.anomaly_count(n_branches * days * volume)
        self.plan = an.AnomalyPlan.draw(rng, n_branches, self.first_day, self.last_day, count)
        self.sink = EventSink(self.chain.tenant_id, self.last_day, ids)
        self.ledger = Ledger(n_branches)
        self.sim = BookingSimulator(
            rng, ids, self.chain, self.sink, self.ledger, n_branches * days * volume // 3
        )
        self.builder = SettlementBuilder(rng, ids)
        self.adt_format = "hl7"
        self.mapping_stems: tuple[str, ...] = ()
        self.his = HisSimulator(seed, self.chain, self.first_day, self.last_day)  # its own RNG
        self.messaging: MessagingSimulator | None = None  # its own RNG too
        self.pending_bank: list[tuple[int, list[BankEntry]]] | None = None  # with claims: written at the end
        self.billing: Billing | None = None
        self.sim.on_completed = self.his.completed.append
        account = f"5020{rng.randrange(10**10):010d}"
        opening = (n_branches * max(volume, 1) * 20_000 + 5_00_000) * 100
        self.bank = BankStatement(
            statement_path(out / BANK_DIR, account, bank_profile), opening, bank_profile, account
        )
        self.truth = gtr.GroundTruth(out / _SCRATCH_FILE)
        self.anomalies: list[an.Anomaly] = []
        self.unsettled_payments: list[Payment] = []
        self.unsettled_refunds: list[Refund] = []
        self.event_files = 0
        self.events = 0
        self.last_event_day = 0
        self.settlement_files = 0
        self.settlements = 0
        self.settlement_lines = 0
        self.last_settlement_day = 0

    # -- bookings and events -------------------------------------------------------------------
    def simulate_day(self, day: int) -> None:
        rng, plan = self.rng, self.plan
        settles_on = day + SETTLEMENT_DAYS
        for branch in self.chain.branches:
            count = self.volume * rng.randint(85, 115) // 100
            duplicate = plan.due(an.DUPLICATE_PAYMENT, settles_on, branch.index) > 0
            pair = self.sim.simulate_day(day, branch, count, duplicate)
            if pair is not None:
                plan.consume(an.DUPLICATE_PAYMENT, settles_on, branch.index)
                first, second = pair
                gap_s = (second.captured_ms - first.captured_ms) // 1000
                self._inject(
                    an.Anomaly(
                        an.DUPLICATE_PAYMENT,
                        "payment",
                        [second.payment_id],
                        f"order {first.order_id} of booking {first.booking_id} captured twice: {first.payment_id} "
                        f"and, {gap_s}s later, {second.payment_id} ({rupees(second.amount)} each)",
                    )
                )
        if self.messaging is not None:
            self.messaging.advance(day)
        written = self.sink.write_day(day, self.out / EVENTS_DIR / f"{iso_day(day)}.ndjson")
        if written:
            self.event_files += 1
            self.events += written
            self.last_event_day = day

    def _inject(self, anomaly: an.Anomaly) -> None:
        self.anomalies.append(anomaly)
        for entity_id in anomaly.entity_ids:
            self.truth.watch[entity_id] = anomaly.expected_status

    # -- settlements and bank ------------------------------------------------------------------
    def _settlement_profile(self, day: int) -> str:
        if self.settlement_profile != "mixed":
            return self.settlement_profile
        return SETTLEMENT_PROFILES[day % len(SETTLEMENT_PROFILES)]

    def settle_day(self, day: int) -> None:
        rng = self.rng
        bank_entries: list[BankEntry] = overheads(rng, day, len(self.chain.branches), self.volume)
        captured_on = day - SETTLEMENT_DAYS
        if captured_on >= self.first_day:
            day_payments, day_refunds = self.ledger.pop_day(captured_on)
            file: SettlementFile | None = None
            cashfree_file: CashfreeSettlementFile | None = None
            for branch in self.chain.branches:
                b = branch.index
                payments, refunds = day_payments[b], day_refunds[b]
                _mark_duplicates(payments)
                refunds.sort(key=lambda r: (r.initiated_ms, r.refund_id))
                bank_mode = self.plan.bank_mode(day, b)
                overrides: dict[str, tuple[int, int, int]] = {}
                orphans: list[Orphan] = []
                if bank_mode is None:
                    self._drop_overdue(day, b, payments, refunds)
                    self._mismatch_amounts(day, b, payments, overrides)
                    self._mismatch_fees(day, b, payments, overrides)
                    orphans = self._orphans(day, b)
                if not (payments or refunds or orphans):
                    continue
                if orphans and self.settlement_profile == "mixed":
                    # In a mixed sample the front-desk payment links go through Cashfree: their own
                    # settlement, in Cashfree's report, credited to the bank under its own UTR.
                    cashfree_file = cashfree_file or CashfreeSettlementFile(
                        self.out / CASHFREE_DIR / f"{iso_day(day)}.csv"
                    )
                    self._settle_with_cashfree(day, branch, orphans, cashfree_file, bank_entries)
                    orphans = []
                    if not (payments or refunds):
                        continue
                s = self.builder.build(day, branch, payments, refunds, orphans, overrides)
                if file is None:
                    file = SettlementFile(
                        self.out / SETTLEMENTS_DIR / f"{iso_day(day)}.csv", self._settlement_profile(day)
                    )
                    self.settlement_files += 1
                file.write(s)
                self.settlements += 1
                self.settlement_lines += len(s.rows)
                credit = self._bank_credit(s, bank_mode, bank_entries)
                self._reconcile(s, bank_ok=credit == s.net)
            if file is not None:
                file.close()
                self.last_settlement_day = day
            if cashfree_file is not None:
                cashfree_file.close()
                self.last_settlement_day = day
        if self.pending_bank is not None:
            self.pending_bank.append((day, bank_entries))
        else:
            self.bank.write_day(day, bank_entries)

    def _settle_with_cashfree(
        self,
        day: int,
        branch: Branch,
        orphans: list[Orphan],
        file: CashfreeSettlementFile,
        bank: list[BankEntry],
    ) -> None:
        """Orphan payments as Cashfree events (numeric ids, as Cashfree's are) in a settlement of their own."""
        rng = self.rng
        orphans = [replace(o, payment_id=str(rng.randrange(10**12, 10**13))) for o in orphans]
        s = self.builder.build(
            day, branch, [], [], orphans, {}, settlement_id=str(rng.randrange(10**8, 10**9))
        )
        file.write(s)
        self.settlements += 1
        self.settlement_lines += len(s.rows)
        credit = self._bank_credit(s, None, bank)
        self._reconcile(s, bank_ok=credit == s.net)

    def _bank_credit(self, s: Settlement, bank_mode: str | None, entries: list[BankEntry]) -> int | None:
        """Credit the settlement to the bank (or not, or wrongly for bank_unmatched); returns the credit."""
        rng = self.rng
        credit: int | None = s.net if s.net > 0 else None  # no payout when refunds eat the whole settlement
        what = ""
        if bank_mode == an.BANK_MISSING:
            credit = None
            what = f"settlement {s.settlement_id} (UTR {s.utr}) of {rupees(s.net)} has no bank credit"
        elif bank_mode == an.BANK_DIFFERS:
            delta = rng.choice((-1, 1)) * rng.randint(100, 50_000)
            credit = s.net + delta if s.net + delta > 0 else s.net + abs(delta)
            what = (
                f"settlement {s.settlement_id} (UTR {s.utr}) nets {rupees(s.net)} but the bank credited "
                f"{rupees(credit)}"
            )
        if bank_mode is not None:
            ids = [p.payment_id for p, *_ in s.payments] + [r.refund_id for r, _ in s.refunds]
            self._inject(an.Anomaly(an.BANK_UNMATCHED, "settlement", ids, what))
        if credit is not None:
            at_s = s.settled_at - ist_midnight_s(s.day) + rng.randrange(600, 3600)
            entries.append(settlement_credit(rng, s.utr, credit, at_s))
            self.truth.bank_credited += credit
        return credit

    def _reconcile(self, s: Settlement, *, bank_ok: bool) -> None:
        truth = self.truth
        for p, amount, fee, tax in s.payments:
            truth.add_line("payment", amount, fee, tax, amount - fee, 0)
            status = gtr.payment_status(
                is_duplicate=p.is_duplicate,
                line=(amount, fee, tax),
                booked=p.amount,
                age_days=s.day - ist_day_of_ms(p.captured_ms),
                settlement_days=SETTLEMENT_DAYS,
                mdr_bps=MDR_BPS[p.method],
                bank_ok=bank_ok,
            )
            truth.record(p.payment_id, status, booked=p.amount, gateway_amount=amount, is_payment=True)
        for r, amount in s.refunds:
            truth.add_line("refund", amount, 0, 0, 0, amount)
            status = gtr.refund_status(
                line=(amount, 0, 0),
                amount=r.amount,
                age_days=s.day - ist_day_of_ms(r.initiated_ms),
                refund_sla_days=REFUND_SLA_DAYS,
                bank_ok=bank_ok,
            )
            truth.record(r.refund_id, status, booked=r.amount, gateway_amount=amount, is_payment=False)
        for o, amount, fee, tax in s.orphans:
            self._inject(
                an.Anomaly(
                    an.ORPHAN_GATEWAY_LINE,
                    "gateway_line",
                    [o.payment_id],
                    f"gateway payment {o.payment_id} ({o.method}, {rupees(amount)}, order {o.order_id}) in settlement "
                    f"{s.settlement_id} of {s.branch.branch_id} matches no booking",
                )
            )
            truth.add_line("payment", amount, fee, tax, amount - fee, 0)
            truth.record(
                o.payment_id, gtr.ORPHAN_GATEWAY_LINE, booked=0, gateway_amount=amount, is_payment=False
            )

    # -- anomaly injection ---------------------------------------------------------------------
    def _drop_overdue(self, day: int, b: int, payments: list[Payment], refunds: list[Refund]) -> None:
        """Payments and refunds the gateway never settles."""
        rng, plan = self.rng, self.plan
        for _ in range(plan.due(an.OVERDUE_PAYMENT, day, b)):
            candidates = [p for p in payments if not p.reserved]
            if not candidates:
                break
            p = rng.choice(candidates)
            p.reserved = True
            payments.remove(p)
            self.unsettled_payments.append(p)
            plan.consume(an.OVERDUE_PAYMENT, day, b)
            self._inject(
                an.Anomaly(
                    an.SETTLEMENT_OVERDUE,
                    "payment",
                    [p.payment_id],
                    f"{p.method} payment of {rupees(p.amount)} captured on {iso_day(ist_day_of_ms(p.captured_ms))} "
                    f"was due in the {iso_day(day)} settlement of {p.branch.branch_id} and never settled",
                )
            )
        for _ in range(plan.due(an.OVERDUE_REFUND, day, b)):
            candidates_r = [r for r in refunds if not r.reserved]
            if not candidates_r:
                break
            r = rng.choice(candidates_r)
            r.reserved = True
            refunds.remove(r)
            self.unsettled_refunds.append(r)
            plan.consume(an.OVERDUE_REFUND, day, b)
            self._inject(
                an.Anomaly(
                    an.SETTLEMENT_OVERDUE,
                    "refund",
                    [r.refund_id],
                    f"refund of {rupees(r.amount)} on {r.payment.payment_id} initiated on "
                    f"{iso_day(ist_day_of_ms(r.initiated_ms))} never reached a settlement "
                    f"(SLA {REFUND_SLA_DAYS} days)",
                )
            )

    def _mismatch_amounts(
        self, day: int, b: int, payments: list[Payment], overrides: dict[str, tuple[int, int, int]]
    ) -> None:
        """The gateway settles less than the booked amount."""
        rng, plan = self.rng, self.plan
        for _ in range(plan.due(an.AMOUNT_MISMATCH, day, b)):
            candidates = [p for p in payments if not p.reserved and p.amount > 200_00]
            if not candidates:
                break
            p = rng.choice(candidates)
            p.reserved = True
            plan.consume(an.AMOUNT_MISMATCH, day, b)
            short = rng.choice((50_00, 100_00, p.amount // 10))
            amount = p.amount - short
            mdr, tax = contract_fee(amount, p.method)
            overrides[p.payment_id] = (amount, mdr + tax, tax)
            self._inject(
                an.Anomaly(
                    an.AMOUNT_MISMATCH,
                    "payment",
                    [p.payment_id],
                    f"gateway settled {rupees(amount)} for a {rupees(p.amount)} booking",
                )
            )

    def _mismatch_fees(
        self, day: int, b: int, payments: list[Payment], overrides: dict[str, tuple[int, int, int]]
    ) -> None:
        """The gateway charges a fee off the contract: the card rate on UPI, else 75 bps too much."""
        rng, plan = self.rng, self.plan
        for _ in range(plan.due(an.FEE_MISMATCH, day, b)):
            candidates = [p for p in payments if not p.reserved and p.amount >= 100_00]
            upi = [p for p in candidates if p.method == "upi"]
            if not candidates:
                break
            p = rng.choice(upi or candidates)
            p.reserved = True
            plan.consume(an.FEE_MISMATCH, day, b)
            if p.method == "upi":
                bps, why = MDR_BPS["card"], "the card rate applied to UPI"
            else:
                bps, why = (
                    MDR_BPS[p.method] + 75,
                    f"{MDR_BPS[p.method] + 75} bps instead of {MDR_BPS[p.method]}",
                )
            mdr = apply_bps(p.amount, bps)
            tax = apply_bps(mdr, GST_BPS)
            want_mdr, want_tax = contract_fee(p.amount, p.method)
            overrides[p.payment_id] = (p.amount, mdr + tax, tax)
            self._inject(
                an.Anomaly(
                    an.FEE_MISMATCH,
                    "payment",
                    [p.payment_id],
                    f"gateway fee {rupees(mdr)} + GST {rupees(tax)} on a {p.method} payment of {rupees(p.amount)}; "
                    f"the contract gives {rupees(want_mdr)} + GST {rupees(want_tax)} ({why})",
                )
            )

    def _orphans(self, day: int, b: int) -> list[Orphan]:
        """Gateway payments no booking knows (front-desk payment links), settled with the branch."""
        rng, plan = self.rng, self.plan
        orphans: list[Orphan] = []
        for _ in range(plan.due(an.ORPHAN_GATEWAY_LINE, day, b)):
            plan.consume(an.ORPHAN_GATEWAY_LINE, day, b)
            created = ist_midnight_s(day - SETTLEMENT_DAYS) + rng.randrange(9 * 3600, 20 * 3600)
            fees = SPECIALTY_FEES[rng.choice(tuple(SPECIALTY_FEES))]
            method = rng.choices(METHODS, METHOD_WEIGHTS)[0]
            card = None
            if method == "card":
                card = (rng.choice(CARD_NETWORKS), rng.choice(CARD_ISSUERS), rng.choice(CARD_TYPES))
            orphans.append(
                Orphan(
                    payment_id=self.ids.razorpay("pay_"),
                    order_id=self.ids.razorpay("order_"),
                    amount=rng.choice(fees),
                    method=method,
                    created_s=created,
                    card=card,
                )
            )
        return orphans

    # -- end of run ----------------------------------------------------------------------------
    def finish(self) -> dict:
        adt_files, adt_truth = self._write_adt()
        billing_files, billing_truth = self._write_billing()
        bank_days = [d for d, entries in self.pending_bank or () if entries]
        bank_last = max(bank_days, default=None) if self.pending_bank is not None else self.bank.last_day
        last_seen = max(self.last_event_day, self.last_settlement_day, bank_last or 0)
        as_of = last_seen or self.last_day
        claim_files, claim_truth = self._write_claims(as_of) if self.pending_bank is not None else ([], {})
        for day, entries in self.pending_bank or ():
            self.bank.write_day(day, entries)
        self.bank.close()
        for day in self.ledger.remaining_days():
            day_payments, day_refunds = self.ledger.pop_day(day)
            for payments in day_payments:
                _mark_duplicates(payments)
                self.unsettled_payments.extend(payments)
            for refunds in day_refunds:
                refunds.sort(key=lambda r: (r.initiated_ms, r.refund_id))
                self.unsettled_refunds.extend(refunds)
        truth = self.truth
        for p in self.unsettled_payments:
            status = gtr.payment_status(
                is_duplicate=p.is_duplicate,
                line=None,
                booked=p.amount,
                age_days=as_of - ist_day_of_ms(p.captured_ms),
                settlement_days=SETTLEMENT_DAYS,
                mdr_bps=MDR_BPS[p.method],
                bank_ok=False,
            )
            truth.record(p.payment_id, status, booked=p.amount, gateway_amount=0, is_payment=True)
        for r in self.unsettled_refunds:
            status = gtr.refund_status(
                line=None,
                amount=r.amount,
                age_days=as_of - ist_day_of_ms(r.initiated_ms),
                refund_sla_days=REFUND_SLA_DAYS,
                bank_ok=False,
            )
            truth.record(r.refund_id, status, booked=r.amount, gateway_amount=0, is_payment=False)
        header = {
            "seed": self.seed,
            "tenant_id": self.chain.tenant_id,
            "start": self.start.isoformat(),
            "days": self.days,
            "as_of": iso_day(as_of),
        }
        message_files: list[Path] = []
        sections = {"adt": adt_truth, "billing": billing_truth} if adt_truth else {}
        if self.messaging is not None:
            message_files = write_provider_logs(self.out, self.messaging.records, self.messaging.senders)
            message_files.append(
                write_message_rates(self.out / REFERENCE_DIR, self.chain.tenant_id, self.start.isoformat())
            )
            sections["messaging"] = messaging_truth(self.messaging)
        if claim_truth:
            sections["claims"] = claim_truth
        truth_path = self.out / GROUND_TRUTH_FILE
        truth.write(truth_path, header, [a.as_json() for a in self.anomalies], sections)
        by_kind = {kind: sum(1 for a in self.anomalies if a.kind == kind) for kind in an.KINDS}
        return {
            "tenant_id": self.chain.tenant_id,
            "seed": self.seed,
            "start": self.start.isoformat(),
            "days": self.days,
            "as_of": iso_day(as_of),
            "branches": len(self.chain.branches),
            "files": self.event_files
            + self.settlement_files
            + 1
            + len(self.reference_paths)
            + 1
            + len(adt_files)
            + len(billing_files)
            + len(message_files)
            + len(claim_files),
            "adt_files": len(adt_files),
            "billing_files": len(billing_files),
            "billing_bills": len(billing_truth.get("expected_bills", ())),
            "adt_messages": adt_truth.get("messages", 0),
            "adt_episodes": len(adt_truth.get("expected_episodes", ())),
            **(
                {"message_files": len(message_files), "messages": sections["messaging"]["messages"]}
                if self.messaging is not None
                else {}
            ),
            **(
                {"claim_files": len(claim_files), "claims": len(claim_truth["claims"].items)}
                if claim_truth
                else {}
            ),
            "event_files": self.event_files,
            "settlement_files": self.settlement_files,
            "events": self.events,
            "payments": self.ledger.payment_count,
            "refunds": self.ledger.refund_count,
            "settlements": self.settlements,
            "settlement_lines": self.settlement_lines,
            "bank_lines": self.bank.lines,
            "anomalies": len(self.anomalies),
            "anomalies_by_kind": by_kind,
            "paths": {
                "out": str(self.out),
                "events": str(self.out / EVENTS_DIR),
                "settlements": str(self.out / SETTLEMENTS_DIR),
                "bank": str(self.bank.path),
                "reference": str(self.out / REFERENCE_DIR),
                "ground_truth": str(truth_path),
            },
        }

    def _write_adt(self) -> tuple[list[Path], dict]:
        """The HIS's ADT feed and its mapping files; the `adt` section of the ground truth."""
        if self.adt_format == "none":
            return [], {}
        hospital = self.his.simulate()
        tenant = self.chain.tenant_id
        paths = write_mappings(self.out / REFERENCE_DIR, tenant, hospital.mappings, self.mapping_stems)
        files, quarantine = write_adt(self.out, hospital, self.adt_format, tenant)
        keys = {(m.sender, m.control_id) for m in hospital.messages if not m.malformed}
        return [*paths, *files], {
            "format": self.adt_format,
            "messages": len(keys),
            "anomalies": hospital.anomalies,
            "unmapped_codes": hospital.unmapped_codes,
            "expected_quarantine": quarantine,
            "expected_episodes": hospital.episodes,
            # the IST day of the latest message a reader stores: open admissions are in a bed through it
            # (null when the HIS sent nothing, as in a sample too small for an admission)
            "last_message_day": max(
                (iso_day(ist_day_of_ms(m.message_ms)) for m in hospital.messages if not m.malformed),
                default=None,
            ),
        }

    def _write_billing(self) -> tuple[list[Path], dict]:
        """The HIS's bills for the visits `_write_adt` simulated (DFT^P03, or a bill CSV with the CSV ADT
        format), the service mapping file; the `billing` section of the ground truth."""
        if self.adt_format == "none":
            return [], {}
        tenant = self.chain.tenant_id
        billing = self.billing = BillingSimulator(self.seed, self.his.end_ms).simulate(self.his.visits)
        fmt = "csv" if self.adt_format == "csv" else "hl7"
        paths = []
        if self.mapping_stems and "services" in REFERENCE_SPEC.routes:
            header = REFERENCE_SPEC.header(REFERENCE_SPEC.routes["services"])
            paths.append(write_services(self.out / REFERENCE_DIR, tenant, header))
        files, quarantine = write_billing(self.out, billing, fmt, tenant)
        return [*paths, *files], {
            "format": fmt,
            "messages": len({b.control_id for b in billing.bills if not b.malformed}),
            "anomalies": billing.anomalies,
            "unmapped_service_codes": sorted({a["code"] for a in billing.anomalies if "code" in a}),
            "expected_quarantine": quarantine,
            "expected_bills": expected_bills(billing, tenant, fmt),
        }

    def _write_claims(self, as_of: int) -> tuple[list[Path], dict]:
        """The claims of the inpatient episodes in claims/, their settlements' credits added to the bank's
        pending days; the `claims` section of the ground truth."""
        assert self.billing is not None and self.pending_bank is not None
        sim = ClaimsSimulator(self.seed, self.his.end_ms, as_of)
        claims = sim.simulate(self.his.visits, self.billing.bills)
        documents = file_documents(claims, self.seed)
        files, quarantine = write_claims(self.out, claims, sim, documents)
        document_files, document_truth = write_documents(self.out, claims, documents, self.chain.tenant_id)
        files.append(write_claim_slas(self.out / REFERENCE_DIR, self.chain.tenant_id))
        days = dict(self.pending_bank)
        for c in claims:
            if c.bank_credit is not None:
                at_ms, paise, narration = c.bank_credit
                day = ist_day_of_ms(at_ms)
                at_s = (at_ms - ist_midnight_ms(day)) // 1000
                days[day].append(BankEntry(at_s, narration, ref_no(sim.rng), 0, paise))
        truth = claims_truth(claims, as_of, quarantine, str(self.bank.path.relative_to(self.out)))
        truth["documents"] = document_truth
        return [*files, *document_files], truth

    def abort(self) -> None:
        self.bank.close()
        self.truth.abort()
