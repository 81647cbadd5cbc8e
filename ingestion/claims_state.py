"""A claim's state and amounts as the fold of its events (ingestion/claim_event.py), pure and deterministic:
the one definition the replay CLI uses and the claim marts mirror in SQL (docs/claims.md).

Order: event time, then the lifecycle's order of the event types (a query raised and answered in the same
second reads raised, then answered), then source and message id. Never load time: an event that arrives
late (a query's answer loaded before the query) takes its place by when it happened. "As of" a time means
the events that had happened by then.

Amounts (paise): requested is the latest stated (the pre-auth's, then the claim's); preauth_approved the
latest pre-authorised total (an enhancement states the new total); approved and deducted are the latest
adjudication's (a denial approves 0); paid and tds add up over settlements; remitted and remitted_tds add up
over remittance lines (what the remittance advices itemise, to tie to the settlements and the bank).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from ingestion.claim_event import EVENT_RANK

# The state each event leaves the claim in (None: unchanged; a remittance line only adds money).
STATE_AFTER: dict[str, str | None] = {
    "preauth_requested": "preauth_pending",
    "preauth_approved": "preauth_approved",
    "preauth_enhanced": "preauth_approved",
    "preauth_rejected": "preauth_rejected",
    "claim_submitted": "submitted",
    "query_raised": "query_pending",
    "query_answered": "submitted",
    "approved_full": "approved",
    "approved_partial": "partially_approved",
    "denied": "denied",
    "settled": "settled",
    "remittance_line": None,
    "dispute_raised": "disputed",
    "reopened": "reopened",
}
STATES: tuple[str, ...] = tuple(dict.fromkeys(s for s in STATE_AFTER.values() if s))


@dataclass(frozen=True)
class ClaimEvent:
    """What the fold reads of one stored claim event."""

    event_time: datetime  # UTC
    event_type: str
    source: str
    message_id: str
    requested_paise: int | None = None
    approved_paise: int | None = None
    deducted_paise: int | None = None
    paid_paise: int | None = None
    tds_paise: int | None = None
    reason_code: str = ""
    utr: str = ""
    insurer: str = ""
    tpa: str = ""

    def order_key(self) -> tuple[datetime, int, str, str]:
        return (self.event_time, EVENT_RANK[self.event_type], self.source, self.message_id)


@dataclass(frozen=True)
class ClaimState:
    claim_id: str
    state: str = ""
    requested_paise: int = 0
    preauth_approved_paise: int = 0
    approved_paise: int = 0
    deducted_paise: int = 0
    paid_paise: int = 0
    tds_paise: int = 0
    remitted_paise: int = 0
    remitted_tds_paise: int = 0
    open_queries: int = 0
    reason_code: str = ""
    utr: str = ""
    insurer: str = ""
    tpa: str = ""
    # The events folded, in order, each with the state it left the claim in.
    history: tuple[tuple[ClaimEvent, str], ...] = field(default=())


def ordered(events: Iterable[ClaimEvent]) -> list[ClaimEvent]:
    return sorted(events, key=ClaimEvent.order_key)


def apply(s: ClaimState, e: ClaimEvent) -> ClaimState:
    """The claim after one more event."""
    kind = e.event_type
    changes: dict[str, object] = {
        "insurer": e.insurer or s.insurer,
        "tpa": e.tpa or s.tpa,
    }
    if e.requested_paise is not None and kind in ("preauth_requested", "claim_submitted"):
        changes["requested_paise"] = e.requested_paise
    if kind in ("preauth_approved", "preauth_enhanced") and e.approved_paise is not None:
        changes["preauth_approved_paise"] = e.approved_paise
    if kind == "query_raised":
        changes["open_queries"] = s.open_queries + 1
    if kind == "query_answered":
        changes["open_queries"] = max(0, s.open_queries - 1)
    if kind in ("approved_full", "approved_partial"):
        requested = e.requested_paise if e.requested_paise is not None else s.requested_paise
        approved = e.approved_paise if e.approved_paise is not None else requested
        if kind == "approved_partial" and e.deducted_paise is None:
            deducted = max(0, requested - approved)
        else:
            deducted = e.deducted_paise or 0
        changes.update(approved_paise=approved, deducted_paise=deducted, reason_code="")
    if kind == "denied":
        changes.update(approved_paise=0, deducted_paise=0)
    if kind in ("denied", "preauth_rejected", "query_raised", "dispute_raised") and e.reason_code:
        changes["reason_code"] = e.reason_code
    if kind == "settled":
        changes.update(
            paid_paise=s.paid_paise + (e.paid_paise or 0), tds_paise=s.tds_paise + (e.tds_paise or 0)
        )
    if kind == "remittance_line":
        changes.update(
            remitted_paise=s.remitted_paise + (e.paid_paise or 0),
            remitted_tds_paise=s.remitted_tds_paise + (e.tds_paise or 0),
        )
    if e.utr and kind in ("settled", "remittance_line"):
        changes["utr"] = e.utr if kind == "settled" or not s.utr else s.utr
    state = STATE_AFTER[kind] or s.state
    if kind == "query_answered" and changes["open_queries"]:
        state = "query_pending"  # another query is still open
    changes["state"] = state
    changes["history"] = (*s.history, (e, state))
    return replace(s, **changes)  # type: ignore[arg-type]


def fold(claim_id: str, events: Iterable[ClaimEvent], as_of: datetime | None = None) -> ClaimState:
    """The claim as known at `as_of` (aware; None: every event): its events that happened by then, in order."""
    state = ClaimState(claim_id)
    for event in ordered(events):
        if as_of is not None and event.event_time > as_of:
            break
        state = apply(state, event)
    return state
