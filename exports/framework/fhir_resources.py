"""FHIR R4 (R4B models of `fhir.resources`) from the payment reconciliation: a `PaymentReconciliation` per
gateway settlement, with a `detail` per settlement line (payment, refund, adjustment), and a
`PaymentNotice` per captured payment. Every resource is validated by constructing its model before it is
written; the JSON written is the validated content with amounts as exact 2-decimal numbers (`450.10`),
from integer paise. Identifier systems are the platform's own, documented in docs/fhir.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claim import Claim
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.paymentnotice import PaymentNotice
from fhir.resources.R4B.paymentreconciliation import PaymentReconciliation

from core.money import paise_to_rupees
from core.time import to_ist
from exports.framework.dataset import Table

BASE = "https://mymedic.in/fhir"
SID = f"{BASE}/sid"
SETTLEMENT_SYSTEM = f"{SID}/razorpay-settlement"
PAYMENT_SYSTEM = f"{SID}/razorpay-payment"
REFUND_SYSTEM = f"{SID}/razorpay-refund"
GATEWAY_LINE_SYSTEM = f"{SID}/razorpay-settlement-line"
UTR_SYSTEM = f"{SID}/bank-utr"
BOOKING_SYSTEM = f"{SID}/booking"
BOOKING_PSEUDONYM_SYSTEM = f"{SID}/booking-pseudonym"  # a bundle's keyed hash of the booking id
BRANCH_SYSTEM = f"{SID}/branch"
LINE_TYPE_SYSTEM = f"{BASE}/CodeSystem/settlement-line-type"
STATUS_SYSTEM = f"{BASE}/CodeSystem/reconciliation-status"
PAYMENT_STATUS_SYSTEM = "http://terminology.hl7.org/CodeSystem/paymentstatus"
LINE_TYPES = {"payment": "payment", "refund": "refund", "gateway_line": "adjustment"}
MODELS = {
    "PaymentReconciliation": PaymentReconciliation,
    "PaymentNotice": PaymentNotice,
    "Claim": Claim,
    "ClaimResponse": ClaimResponse,
    "Bundle": Bundle,
}
RESOURCE_TYPES = ("PaymentReconciliation", "PaymentNotice")
DECIMAL_MARK = "__mymedic_decimal__"


class FhirError(ValueError):
    """A resource the platform built does not validate (a bug or unexpected data; one line)."""


def fhir_id(text: str) -> str:
    """A FHIR id ([A-Za-z0-9-.]{1,64}) from a gateway id: `setl_br_blr_1` -> `setl-br-blr-1`."""
    cleaned = re.sub(r"[^A-Za-z0-9\-.]", "-", text)[:64]
    return cleaned or "x"


def money(paise: int) -> dict[str, Any]:
    return {"value": paise_to_rupees(paise), "currency": "INR"}


def instant(value: datetime | None) -> str | None:
    return None if value is None else to_ist(value).isoformat(timespec="seconds")


def day(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return to_ist(value).date().isoformat() if isinstance(value, datetime) else value.isoformat()


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """`resource` after its model accepted it (FhirError in one line otherwise)."""
    model = MODELS[resource["resourceType"]]
    try:
        model.model_validate(resource)
    except ValueError as error:
        first = " ".join(str(error).split())[:300]
        raise FhirError(
            f"{resource['resourceType']}/{resource.get('id')} is not valid FHIR R4: {first}"
        ) from None
    return resource


def booking_reference(row: dict[str, Any], hashed: frozenset[str]) -> dict[str, Any] | None:
    booking = row.get("booking_id")
    if not booking:
        return None
    system = BOOKING_PSEUDONYM_SYSTEM if "booking_id" in hashed else BOOKING_SYSTEM
    return {"identifier": {"system": system, "value": booking}}


def branch_reference(row: dict[str, Any]) -> dict[str, Any]:
    reference: dict[str, Any] = {
        "type": "Organization",
        "identifier": {"system": BRANCH_SYSTEM, "value": f"{row['tenant_id']}/{row['branch_id']}"},
    }
    if row.get("branch_name"):
        reference["display"] = row["branch_name"]
    return reference


def line_identifier(row: dict[str, Any]) -> dict[str, Any]:
    system = {"payment": PAYMENT_SYSTEM, "refund": REFUND_SYSTEM}.get(row["entity_type"], GATEWAY_LINE_SYSTEM)
    return {"system": system, "value": row["entity_id"]}


def settlement_detail(row: dict[str, Any], hashed: frozenset[str]) -> dict[str, Any]:
    code = LINE_TYPES.get(row["entity_type"], "adjustment")
    detail: dict[str, Any] = {
        "identifier": line_identifier(row),
        "type": {"coding": [{"system": LINE_TYPE_SYSTEM, "code": code}], "text": row["entity_type"]},
        "request": booking_reference(row, hashed),
        "date": day(row.get("event_date")),
        "payee": branch_reference(row),
        "amount": money(row["net_settled_paise"]) if row.get("net_settled_paise") is not None else None,
    }
    return {k: v for k, v in detail.items() if v is not None}


def payment_reconciliation(settlement_id: str, rows: list[dict[str, Any]], hashed: frozenset[str]) -> dict:
    first = rows[0]
    settled = [r["settled_at"] for r in rows if r.get("settled_at") is not None]
    credit_dates = [r["bank_credit_date"] for r in rows if r.get("bank_credit_date") is not None]
    created = max(settled) if settled else None
    resource: dict[str, Any] = {
        "resourceType": "PaymentReconciliation",
        "id": fhir_id(settlement_id),
        "identifier": [{"system": SETTLEMENT_SYSTEM, "value": settlement_id}],
        "status": "active",
        "created": instant(created),
        "paymentIssuer": {"display": "Razorpay"},
        "outcome": "complete",
        "disposition": f"settlement {settlement_id}: {len(rows)} line(s) reconciled by MyMedic",
        "paymentDate": day(min(credit_dates)) if credit_dates else day(created),
        "paymentAmount": money(sum(r.get("net_settled_paise") or 0 for r in rows)),
        "paymentIdentifier": (
            {"system": UTR_SYSTEM, "value": first["settlement_utr"]} if first.get("settlement_utr") else None
        ),
        "requestor": branch_reference(first),
        "detail": [settlement_detail(r, hashed) for r in rows],
    }
    return validated({k: v for k, v in resource.items() if v is not None})


def payment_notice(row: dict[str, Any], hashed: frozenset[str]) -> dict[str, Any]:
    settlement = row.get("settlement_id")
    payment = (
        {
            "reference": f"PaymentReconciliation/{fhir_id(settlement)}",
            "identifier": {"system": SETTLEMENT_SYSTEM, "value": settlement},
        }
        if settlement
        else {"display": "not settled yet"}
    )
    amount = row.get("gateway_amount_paise")
    if amount is None:
        amount = row.get("booked_amount_paise") or 0
    resource: dict[str, Any] = {
        "resourceType": "PaymentNotice",
        "id": fhir_id(f"pn-{row['entity_id']}"),
        "identifier": [{"system": PAYMENT_SYSTEM, "value": row["entity_id"]}],
        "status": "active",
        "request": booking_reference(row, hashed),
        "created": instant(row.get("event_at")) or f"{day(row.get('event_date'))}T00:00:00+05:30",
        "payment": payment,
        "paymentDate": day(row.get("event_date")),
        "payee": branch_reference(row),
        "recipient": branch_reference(row),
        "amount": money(amount),
        "paymentStatus": {
            "coding": [{"system": PAYMENT_STATUS_SYSTEM, "code": "cleared" if settlement else "paid"}]
        },
    }
    if row.get("status"):
        resource["paymentStatus"]["text"] = row["status"]
    return validated({k: v for k, v in resource.items() if v is not None})


def resources_of(table: Table) -> dict[str, list[dict[str, Any]]]:
    """PaymentReconciliation per settlement (by settlement id) and PaymentNotice per payment (table order)."""
    missing = {
        "entity_type",
        "entity_id",
        "settlement_id",
        "net_settled_paise",
        "tenant_id",
        "branch_id",
    } - set(table.names)
    if missing:
        raise FhirError(f"{table.display_name} has no column(s) {', '.join(sorted(missing))} for FHIR")
    records = table.records()
    settlements: dict[str, list[dict[str, Any]]] = {}
    for row in records:
        if row["settlement_id"]:
            settlements.setdefault(row["settlement_id"], []).append(row)
    return {
        "PaymentReconciliation": [
            payment_reconciliation(sid, rows, table.hashed) for sid, rows in sorted(settlements.items())
        ],
        "PaymentNotice": [payment_notice(r, table.hashed) for r in records if r["entity_type"] == "payment"],
    }


def _marked(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{DECIMAL_MARK}{value:.2f}"
    raise TypeError(f"{type(value).__name__} is not JSON")


def fhir_json(resource: dict[str, Any], *, indent: int | None = None) -> str:
    """JSON text with Decimal amounts as exact numbers with two decimals."""
    text = json.dumps(
        resource,
        ensure_ascii=False,
        default=_marked,
        indent=indent,
        separators=None if indent else (",", ":"),
    )
    return re.sub(f'"{DECIMAL_MARK}(-?[0-9]+\\.[0-9]{{2}})"', r"\1", text)


def collection_bundle(bundle_id: str, resources: Iterable[dict[str, Any]]) -> dict[str, Any]:
    bundle = {
        "resourceType": "Bundle",
        "id": fhir_id(bundle_id),
        "identifier": {"system": f"{SID}/export-bundle", "value": bundle_id},
        "type": "collection",
        "entry": [{"fullUrl": f"{BASE}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources],
    }
    return validated(bundle)
