"""What the claim documents (the dossier PDF, FHIR Claim and ClaimResponse) read about a claim, from the
marts only: its fct_claims row, its history from fct_claim_events (the fold's order) and its
fct_claim_settlement_recon rows (one per UTR, with the bank match status)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core.warehouse import Warehouse
from exports.mart_reader import BRANCHES_TABLE, MART_DATABASE, quote_identifier

CLAIMS_TABLE = "fct_claims"
CLAIM_EVENTS_TABLE = "fct_claim_events"
CLAIM_RECON_TABLE = "fct_claim_settlement_recon"
CLAIM_MARTS = (CLAIMS_TABLE, CLAIM_EVENTS_TABLE, CLAIM_RECON_TABLE)  # one row per claim, event, or UTR
DECISIONS = ("approved_full", "approved_partial", "denied")
PREAUTH_DECISIONS = ("preauth_approved", "preauth_enhanced", "preauth_rejected")

ClaimKey = tuple[str, str]  # (tenant_id, claim_id)


@dataclass(frozen=True)
class DeductionLine:
    code: str
    reason: str
    amount_paise: int


@dataclass
class ClaimRecord:
    claim: dict[str, Any]  # the fct_claims row
    events: list[dict[str, Any]] = field(default_factory=list)  # fct_claim_events rows, by event_seq
    recon: list[dict[str, Any]] = field(default_factory=list)  # fct_claim_settlement_recon rows, by utr
    branch_name: str = ""

    @property
    def key(self) -> ClaimKey:
        return (self.claim["tenant_id"], self.claim["claim_id"])

    @property
    def decision(self) -> dict[str, Any] | None:
        """The claim's latest decision event (approval or denial), None before one."""
        return next((e for e in reversed(self.events) if e["event_type"] in DECISIONS), None)

    @property
    def preauth_decision(self) -> dict[str, Any] | None:
        return next((e for e in reversed(self.events) if e["event_type"] in PREAUTH_DECISIONS), None)

    def deduction_lines(self) -> list[DeductionLine]:
        """The latest decision's deduction lines, as the insurer stated them."""
        decision = self.decision
        if decision is None:
            return []
        return [
            DeductionLine(
                str(d.get("code") or ""), str(d.get("reason") or ""), int(d.get("amount_paise") or 0)
            )
            for d in json.loads(decision["deductions"] or "[]")
        ]

    def events_of(self, *types: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event_type"] in types]


def _table(warehouse: Warehouse, table: str) -> str:
    return f"{quote_identifier(warehouse.db(MART_DATABASE))}.{quote_identifier(table)}"


def require_claim_marts(warehouse: Warehouse) -> None:
    for table in CLAIM_MARTS:
        if not warehouse.table_exists(MART_DATABASE, table):
            raise LookupError(
                f"{warehouse.db(MART_DATABASE)}.{table} does not exist: build the claim marts (dbt) before "
                "exporting claims"
            )


def claim_keys(records: Sequence[dict[str, Any]]) -> list[ClaimKey]:
    """The distinct (tenant_id, claim_id) of rows that name a claim, sorted."""
    return sorted({(str(r["tenant_id"]), str(r["claim_id"])) for r in records if r.get("claim_id")})


def claim_records(warehouse: Warehouse, keys: Sequence[ClaimKey]) -> list[ClaimRecord]:
    """The claims of `keys`, by tenant and claim id. Raises LookupError naming keys fct_claims lacks."""
    require_claim_marts(warehouse)
    wanted = sorted(set(keys))
    if not wanted:
        return []
    where = "where has({keys:Array(Tuple(String, String))}, (tenant_id, claim_id))"
    parameters = {"keys": wanted}
    claims = warehouse.dicts(
        f"select * from {_table(warehouse, CLAIMS_TABLE)} {where} order by tenant_id, claim_id", parameters
    )
    found = {ClaimRecord(c).key: ClaimRecord(c) for c in claims}
    missing = [f"{t}/{c}" for t, c in wanted if (t, c) not in found]
    if missing:
        raise LookupError(
            f"claim {', '.join(missing)} is not in {warehouse.db(MART_DATABASE)}.{CLAIMS_TABLE}"
        )
    for row in warehouse.dicts(
        f"select * from {_table(warehouse, CLAIM_EVENTS_TABLE)} {where} order by tenant_id, claim_id, event_seq",
        parameters,
    ):
        found[(row["tenant_id"], row["claim_id"])].events.append(row)
    for row in warehouse.dicts(
        f"select * from {_table(warehouse, CLAIM_RECON_TABLE)} {where} order by tenant_id, claim_id, utr",
        parameters,
    ):
        found[(row["tenant_id"], row["claim_id"])].recon.append(row)
    if warehouse.table_exists(MART_DATABASE, BRANCHES_TABLE):
        names = dict(
            ((t, b), n)
            for t, b, n in warehouse.rows(
                f"select tenant_id, branch_id, branch_name from {_table(warehouse, BRANCHES_TABLE)}"
            )
        )
        for record in found.values():
            record.branch_name = names.get((record.claim["tenant_id"], record.claim["branch_id"]), "") or ""
    return [found[k] for k in wanted]
