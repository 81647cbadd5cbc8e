"""The one shape of an insurance claim lifecycle event, whatever wire format brought it (a TPA's CSV or NDJSON
export read through its mapping, an NHCX FHIR bundle): each claims feed's raw table has exactly these data
columns, so dbt unions them and the claim marts cannot tell the formats apart. Declared once here; every
claims feed spec uses it (docs/claims.md).

Every row is one immutable fact about a claim (or its pre-authorisation): a dispute or a reopen is a new
event, never an edit. Times are UTC (a time without an offset is read in the mapping's zone, IST by default);
money is integer paise. The claim's state and amounts at any time are the fold of its events ordered by event
time (ingestion/claims_state.py), never by load time.

Also here: the event vocabulary and the CloudEvent each event is published as in the platform's event
contract (`claim.*`, declared in the claims feed specs like every other event type).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ingestion.records import RowError
from ingestion.spec import Column

UTC_TIME = "DateTime64(3, 'UTC')"
PAISE = "Nullable(Int64)"

# The lifecycle, in the order a claim goes through it: the order also breaks a tie between two events of one
# claim at the same event time (a query raised and answered in the same second reads raised, then answered).
EVENT_TYPES: tuple[str, ...] = (
    "preauth_requested",  # the hospital asks the insurer to pre-authorise (requested amount)
    "preauth_approved",  # pre-authorised (approved amount)
    "preauth_enhanced",  # the pre-authorised amount raised (the new approved amount, in total)
    "preauth_rejected",  # pre-authorisation refused (reason code)
    "claim_submitted",  # the claim filed after discharge (requested amount)
    "query_raised",  # the TPA or insurer asks for documents or clarification (pends the claim)
    "query_answered",  # the hospital answered the query (the claim is back under review)
    "approved_full",  # adjudicated: approved as requested
    "approved_partial",  # adjudicated: approved less deductions (deduction lines with reason codes)
    "denied",  # adjudicated: denied (reason code)
    "settled",  # paid: amount paid, TDS withheld, the bank transfer's UTR
    "remittance_line",  # one line of a remittance advice (paid and TDS against the claim, its UTR)
    "dispute_raised",  # the hospital disputes a decision or a short payment (a new event, never an edit)
    "reopened",  # the insurer reopens the claim for a fresh decision
)
EVENT_RANK: dict[str, int] = {e: n for n, e in enumerate(EVENT_TYPES)}
PREAUTH_EVENTS = frozenset(e for e in EVENT_TYPES if e.startswith("preauth_"))
CLAIM_KINDS = ("preauth", "claim")

# The CloudEvent type each claim event is published as (the platform's event contract): a claim's first event
# is also published as `claim.created`.
CREATED = "claim.created"
CLOUDEVENT_TYPES: dict[str, str] = {
    "preauth_requested": "claim.preauth.requested",
    "preauth_approved": "claim.preauth.approved",
    "preauth_enhanced": "claim.preauth.enhanced",
    "preauth_rejected": "claim.preauth.rejected",
    "claim_submitted": "claim.submitted",
    "query_raised": "claim.query.raised",
    "query_answered": "claim.query.answered",
    "approved_full": "claim.approved",
    "approved_partial": "claim.approved",
    "denied": "claim.denied",
    "settled": "claim.settled",
    "remittance_line": "claim.remittance.received",
    "dispute_raised": "claim.disputed",
    "reopened": "claim.reopened",
}
CLAIM_EVENT_TYPE_NAMES: tuple[str, ...] = (CREATED, *dict.fromkeys(CLOUDEVENT_TYPES.values()))

CLAIM_EVENT_KEY = ("tenant_id", "source", "message_id")
AMOUNT_COLUMNS = ("requested_paise", "approved_paise", "deducted_paise", "paid_paise", "tds_paise")
CLAIM_EVENT_COLUMNS: tuple[Column, ...] = (
    Column("tenant_id", "String", "The clinic chain (hospital) whose claim this is."),
    Column(
        "source",
        "String",
        "Which channel brought the event: `tpa/<tpa>` for a TPA's export (its mapping's folder), `nhcx` for "
        "the National Health Claims Exchange.",
    ),
    Column(
        "sender",
        "String",
        "Who sent it: the TPA mapping's sender name; NHCX the message's x-hcx-sender_code (participant code).",
    ),
    Column(
        "message_id",
        "String",
        "The event's id within its source: a TPA's event id column; NHCX the x-hcx-correlation_id with the "
        "event it states (`<correlation id>/<event_type>[#n]`). With tenant and source, the natural key: a "
        "redelivered message is stored once.",
    ),
    Column(
        "api_call_id",
        "String",
        "NHCX: the x-hcx-api_call_id of the delivery first stored ('' for TPA). Not compared: a redelivery "
        "under another API call id is the same row.",
    ),
    Column(
        "correlation_id",
        "String",
        "NHCX x-hcx-correlation_id (a request and its response share it); TPA the mapping's correlation "
        "column, '' if none.",
    ),
    Column("workflow_id", "String", "NHCX x-hcx-workflow_id (one per claim journey), '' if none."),
    Column("message_time", UTC_TIME, "When the sender created the message (NHCX x-hcx-timestamp), UTC."),
    Column("claim_id", "String", "The claim (or pre-authorisation) number the event is about.", "phi"),
    Column("claim_kind", "String", "preauth (pre-authorisation) or claim (the claim filed after discharge)."),
    Column(
        "event_type",
        "String",
        "The lifecycle event: " + ", ".join(EVENT_TYPES) + " (ingestion/claim_event.py).",
    ),
    Column(
        "event_time",
        UTC_TIME,
        "When the event happened (what the history is ordered by, not load time), UTC.",
    ),
    Column("insurer", "String", "The insurer (NHCX: its participant code or name)."),
    Column("tpa", "String", "The third-party administrator handling the claim, '' when none (direct)."),
    Column("branch_id", "String", "The hospital branch (NHCX: the Claim's provider or facility)."),
    Column("visit_number", "String", "The HIS visit (episode) number the claim is for.", "phi"),
    Column("policy_number", "String", "The insurance policy or member id.", "phi"),
    Column(
        "requested_paise",
        PAISE,
        "Amount requested (pre-auth or claim), paise; NULL when not stated.",
        "financial",
    ),
    Column(
        "approved_paise",
        PAISE,
        "Amount approved (pre-auth or claim; an enhancement's new total), paise; NULL when not stated.",
        "financial",
    ),
    Column(
        "deducted_paise",
        PAISE,
        "Amount deducted at adjudication (the deduction lines' total), paise; NULL when not stated.",
        "financial",
    ),
    Column(
        "paid_paise",
        PAISE,
        "Amount paid (a settlement or remittance line), paise; NULL when not stated.",
        "financial",
    ),
    Column(
        "tds_paise",
        PAISE,
        "Income tax deducted at source from the payment, paise; NULL when not stated.",
        "financial",
    ),
    Column(
        "deductions",
        "String",
        "The deduction lines as JSON [{code, reason, amount_paise}] (NHCX item adjudications), '[]' if none.",
        "financial",
    ),
    Column("reason_code", "String", "The denial, rejection or query reason code, '' if none."),
    Column("remarks", "String", "The sender's free text (query text, denial reason, notes).", "phi"),
    Column(
        "utr", "String", "The bank transfer's UTR (or NHCX payment identifier) of a payment.", "financial"
    ),
    Column(
        "documents",
        "String",
        "The documents a pre-auth request or a claim submission was filed with, as JSON [{document_kind, "
        "file_name, content_type, size_bytes, sha256}] (NHCX: the ClaimBundle's DocumentReferences), '[]' if "
        "none stated (ingestion/claim_documents.py).",
        "phi",
    ),
    Column(
        "raw",
        "String",
        "The record as received (the CSV row or NDJSON object as JSON, the FHIR bundle).",
        "phi",
    ),
)
_NULLABLE = {c.name for c in CLAIM_EVENT_COLUMNS if c.type.startswith("Nullable")}
_NAMES = tuple(c.name for c in CLAIM_EVENT_COLUMNS)
MAX_PAISE = 10**15
FIRST_TIME, LAST_TIME = datetime(1900, 1, 1, tzinfo=UTC), datetime(2299, 12, 31, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Deduction:
    code: str
    reason: str
    amount_paise: int


def deductions_json(lines: list[Deduction]) -> str:
    if not lines:
        return "[]"  # most events have none: what json.dumps([]) gives, without its cost
    return json.dumps(
        [{"code": d.code, "reason": d.reason, "amount_paise": d.amount_paise} for d in lines],
        ensure_ascii=False,
    )


def claim_row(**values: Any) -> dict[str, Any]:
    """A claim event row: the given columns, every other one empty ('' or NULL). Checks what every reader
    must hold to: a known event type, a claim id, amounts in range, times in UTC within the warehouse's range;
    raises RowError (the quarantine reason) otherwise. Unknown names are a reader's bug, never dropped."""
    unknown = set(values) - set(_NAMES)
    if unknown:
        raise ValueError(f"not claim event columns: {', '.join(sorted(unknown))}")
    row: dict[str, Any] = {n: (None if n in _NULLABLE else "") for n in _NAMES}
    row["deductions"] = "[]"
    row["documents"] = "[]"
    row.update(values)
    if row["event_type"] not in EVENT_RANK:
        raise RowError(f"unknown claim event {row['event_type']!r}; expected one of {', '.join(EVENT_TYPES)}")
    if not str(row["claim_id"]).strip():
        raise RowError("the claim id is missing")
    if not str(row["message_id"]).strip():
        raise RowError("the message id is missing")
    row["claim_kind"] = row["claim_kind"] or ("preauth" if row["event_type"] in PREAUTH_EVENTS else "claim")
    if row["claim_kind"] not in CLAIM_KINDS:
        raise RowError(f"claim kind {row['claim_kind']!r} is not one of {', '.join(CLAIM_KINDS)}")
    for name in AMOUNT_COLUMNS:
        amount = row[name]
        if amount is not None and not -MAX_PAISE <= amount <= MAX_PAISE:
            raise RowError(f"{name} {amount} is outside ±10^15 paise")
    for name in ("event_time", "message_time"):
        moment = row[name]
        if not isinstance(moment, datetime) or moment.tzinfo is None:
            raise RowError(f"{name} is missing")
        if not FIRST_TIME <= moment <= LAST_TIME:
            raise RowError(f"{name} {moment.isoformat()} is outside 1900..2299, what the warehouse holds")
        row[name] = moment.astimezone(UTC)
    return row


# ---- the platform's event contract ------------------------------------------------------------------------


def cloudevents(row: dict[str, Any], first: bool = False) -> list[dict[str, Any]]:
    """The CloudEvents 1.0 (structured JSON, as the booking service writes them) a stored claim event is
    published as: its own type, preceded by `claim.created` when it is the claim's first event. The id is
    derived from the event's natural key, so publishing again gives the same ids (consumers deduplicate)."""
    types = [CREATED] if first else []
    types.append(CLOUDEVENT_TYPES[row["event_type"]])
    moment = row["event_time"]
    if isinstance(moment, datetime) and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    data = {
        "claim_id": row["claim_id"],
        "claim_kind": row["claim_kind"],
        "event": row["event_type"],
        "source": row["source"],
        "message_id": row["message_id"],
        "insurer": row["insurer"],
        "tpa": row["tpa"],
        "visit_number": row["visit_number"],
        **{n: row[n] for n in AMOUNT_COLUMNS if row[n] is not None},
        "reason_code": row["reason_code"],
        "utr": row["utr"],
    }
    key = "\x1f".join((row["tenant_id"], row["source"], row["message_id"]))
    out = []
    for kind in types:
        digest = hashlib.sha256(f"{key}\x1f{kind}".encode()).hexdigest()[:32]
        out.append(
            {
                "specversion": "1.0",
                "id": f"clm_{digest}",
                "source": f"mymedic/claims/{row['source']}",
                "type": kind,
                "time": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "subject": row["claim_id"],
                "datacontenttype": "application/json",
                "tenantid": row["tenant_id"],
                "branchid": row["branch_id"] or UNKNOWN_BRANCH,
                "data": data,
            }
        )
    return out


# A claim whose branch its sender did not state (a TPA export without a branch column): the CloudEvent's
# required `branchid` says so rather than guess.
UNKNOWN_BRANCH = "unknown"
