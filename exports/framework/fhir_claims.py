"""FHIR R4 (R4B models of `fhir.resources`) from the claim marts: a `Claim` per insurance claim (or
pre-authorisation) and a `ClaimResponse` per claim the insurer has answered (a decision, a pre-auth
decision or a query), read through exports.claim_records. Validated like every exported resource
(fhir_resources.validated); the mapping is in docs/fhir.md.

The `ClaimResponse` reads the way the claims feed reads an NHCX one (docs/claims.md), so the platform would
read back what it writes: outcome `error` with `error[0].code` the reason for a denial, `queued` while a
query (or a dispute) is open, `partial` when the decision deducts, else `complete`; a deduction is an item
adjudication of category `deductible` with its reason code; the payment's identifier is the UTR.
"""

from __future__ import annotations

from typing import Any

from core.warehouse import Warehouse
from exports.claim_records import ClaimKey, ClaimRecord, claim_records
from exports.framework.fhir_resources import (
    BASE,
    BRANCH_SYSTEM,
    SID,
    UTR_SYSTEM,
    branch_reference,
    day,
    fhir_id,
    instant,
    money,
    validated,
)

CLAIM_RESOURCE_TYPES = ("Claim", "ClaimResponse")
CLAIM_SYSTEM = f"{SID}/insurance-claim"
VISIT_SYSTEM = f"{SID}/visit-number"
INSURER_SYSTEM = f"{SID}/insurer"
REASON_SYSTEM = f"{BASE}/CodeSystem/claim-reason"
CLAIM_TYPE = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "institutional"}]
}
PRIORITY = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/processpriority", "code": "normal"}]}
ADJUDICATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/adjudication"
PAYMENT_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/ex-paymenttype"
REFUSED = ("denied", "preauth_rejected")
PENDING = ("query_pending", "disputed", "reopened", "submitted", "preauth_pending")
ANSWERS = ("approved_full", "approved_partial", "denied", "preauth_approved", "preauth_enhanced",
           "preauth_rejected", "query_raised")  # fmt: skip


def category(code: str) -> dict[str, Any]:
    return {"coding": [{"system": ADJUDICATION_SYSTEM, "code": code}]}


def claim_use(record: ClaimRecord) -> str:
    return "preauthorization" if record.claim["claim_kind"] == "preauth" else "claim"


def claim_fhir_id(record: ClaimRecord, prefix: str) -> str:
    tenant_id, claim_id = record.key
    return fhir_id(f"{prefix}-{tenant_id}-{claim_id}")


def claim_identifier(record: ClaimRecord) -> dict[str, Any]:
    return {"system": CLAIM_SYSTEM, "value": record.claim["claim_id"]}


def patient_reference(record: ClaimRecord) -> dict[str, Any]:
    """The marts carry no patient identity for claims: the patient is named by the claim's episode."""
    c = record.claim
    what = f"episode {c['episode_id']}" if c["episode_id"] else f"visit {c['visit_number']}" if c["visit_number"] else f"claim {c['claim_id']}"  # fmt: skip
    return {"type": "Patient", "display": f"the patient of {what}"}


def insurer_reference(record: ClaimRecord) -> dict[str, Any]:
    insurer = record.claim["insurer"]
    if not insurer:
        return {"type": "Organization", "display": "insurer not stated"}
    return {
        "type": "Organization",
        "identifier": {"system": INSURER_SYSTEM, "value": insurer},
        "display": insurer,
    }


def provider_reference(record: ClaimRecord) -> dict[str, Any]:
    c = record.claim
    return branch_reference(
        {"tenant_id": c["tenant_id"], "branch_id": c["branch_id"], "branch_name": record.branch_name}
    )


def claim_common(record: ClaimRecord, kind: str, prefix: str) -> dict[str, Any]:
    """What a Claim and its ClaimResponse both state: the claim number, status, type, use and patient."""
    return {
        "resourceType": kind,
        "id": claim_fhir_id(record, prefix),
        "identifier": [claim_identifier(record)],
        "status": "active",
        "type": CLAIM_TYPE,
        "use": claim_use(record),
        "patient": patient_reference(record),
    }


def claim_resource(record: ClaimRecord) -> dict[str, Any]:
    c = record.claim
    requested = c["requested_paise"]
    coverage = c["insurer"] or "the insurer"
    if c["tpa"]:
        coverage += f" through {c['tpa']}"
    item: dict[str, Any] = {"sequence": 1, "productOrService": {"text": "hospitalisation"}}
    if c["visit_number"]:
        item["encounter"] = [
            {"type": "Encounter", "identifier": {"system": VISIT_SYSTEM, "value": c["visit_number"]}}
        ]
    if requested is not None:
        item |= {"unitPrice": money(requested), "net": money(requested)}
    resource: dict[str, Any] = {
        **claim_common(record, "Claim", "claim"),
        "created": instant(c["submitted_at"] or c["first_event_at"]),
        "insurer": insurer_reference(record),
        "provider": provider_reference(record),
        "priority": PRIORITY,
        "facility": {
            "type": "Location",
            "identifier": {"system": BRANCH_SYSTEM, "value": f"{c['tenant_id']}/{c['branch_id']}"},
        }
        if c["branch_id"]
        else None,
        "insurance": [
            {
                "sequence": 1,
                "focal": True,
                "coverage": {"type": "Coverage", "display": f"policy with {coverage}"},
            }
        ],
        "item": [item],
        "total": money(requested) if requested is not None else None,
    }
    return validated({k: v for k, v in resource.items() if v is not None})


def outcome(record: ClaimRecord) -> str:
    c = record.claim
    if c["state"] in REFUSED:
        return "error"
    if c["state"] in PENDING:
        return "queued"
    return "partial" if c["state"] == "partially_approved" or (c["deducted_paise"] or 0) > 0 else "complete"


def adjudication(record: ClaimRecord, approved: int | None) -> list[dict[str, Any]]:
    """Submitted, benefit, and a deductible per deduction line of the latest decision. A deduction the insurer
    did not itemise is the benefit below the submitted amount (as the claims feed reads an NHCX one)."""
    c = record.claim
    parts: list[dict[str, Any]] = []
    if c["requested_paise"] is not None:
        parts.append({"category": category("submitted"), "amount": money(c["requested_paise"])})
    if approved is not None:
        parts.append({"category": category("benefit"), "amount": money(approved)})
    lines = record.deduction_lines()
    for line in lines:
        reason = {"coding": [{"system": REASON_SYSTEM, "code": line.code}], "text": line.reason} if line.code else {"text": line.reason}  # fmt: skip
        parts.append(
            {"category": category("deductible"), "reason": reason, "amount": money(line.amount_paise)}
        )
    return parts


def payment(record: ClaimRecord) -> dict[str, Any] | None:
    c = record.claim
    if c["settled_at"] is None:  # not settled: the marts' paid is 0, not a payment
        return None
    tds = c["tds_paise"] or 0
    short = c["approved_paise"] is not None and (c["paid_paise"] or 0) + tds < c["approved_paise"]
    resource: dict[str, Any] = {
        "type": {"coding": [{"system": PAYMENT_TYPE_SYSTEM, "code": "partial" if short else "complete"}]},
        "date": day(c["settled_at"]),
        "amount": money(c["paid_paise"] or 0),
        "identifier": {"system": UTR_SYSTEM, "value": c["utr"]} if c["utr"] else None,
    }
    if tds:
        resource |= {"adjustment": money(-tds), "adjustmentReason": {"text": "TDS withheld by the insurer"}}
    return {k: v for k, v in resource.items() if v is not None}


def claim_response(record: ClaimRecord) -> dict[str, Any] | None:
    """The insurer's answer as the marts know it; None while it has answered nothing."""
    c = record.claim
    answers = record.events_of(*ANSWERS)
    if not c["state"] or not answers:
        return None
    preauth = c["claim_kind"] == "preauth"
    approved = c["preauth_approved_paise"] if preauth else c["approved_paise"]
    result = outcome(record)
    decided = (record.preauth_decision if preauth else record.decision) or answers[-1]
    disposition = f"{c['state'].replace('_', ' ')}" + (
        f" (reason {c['reason_code']})" if c["reason_code"] else ""
    )
    resource: dict[str, Any] = {
        **claim_common(record, "ClaimResponse", "claimresponse"),
        "created": instant(decided["event_time"]),
        "insurer": insurer_reference(record),
        "requestor": provider_reference(record),
        "request": {
            "reference": f"Claim/{claim_fhir_id(record, 'claim')}",
            "identifier": claim_identifier(record),
        },
        "outcome": result,
        "disposition": disposition,
        "item": [{"itemSequence": 1, "adjudication": adjudication(record, approved)}],
        "total": [{"category": category("submitted"), "amount": money(c["requested_paise"])}]
        + ([{"category": category("benefit"), "amount": money(approved)}] if approved is not None else [])
        if c["requested_paise"] is not None
        else None,
        "payment": payment(record),
        "error": [{"code": {"coding": [{"system": REASON_SYSTEM, "code": c["reason_code"]}]}}]
        if result == "error" and c["reason_code"]
        else None,
    }
    if not resource["item"][0]["adjudication"]:
        del resource["item"]
    return validated({k: v for k, v in resource.items() if v is not None})


def claim_resources(warehouse: Warehouse, keys: list[ClaimKey]) -> dict[str, list[dict[str, Any]]]:
    """Claim per claim with a lifecycle event (not one known only from remittance lines), ClaimResponse per
    claim the insurer answered; by tenant and claim id."""
    records = [r for r in claim_records(warehouse, keys) if r.claim["state"]]
    responses = [claim_response(r) for r in records]
    return {
        "Claim": [claim_resource(r) for r in records],
        "ClaimResponse": [r for r in responses if r is not None],
    }
