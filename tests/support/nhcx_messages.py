"""NHCX messages as the HCX gateway delivers them once opened (`{"headers": …, "payload": …}`), written after the
shape of the NHCX implementation guide's examples (collection Bundles profiled ClaimBundle /
ClaimResponseBundle, the Claim first, its Patient, Coverage and Organizations after; PaymentNotice and
PaymentReconciliation), for the claims feed's tests and the claim marts' test."""

from __future__ import annotations

from typing import Any

PROFILE = "https://nrces.in/ndhm/fhir/r4/StructureDefinition/"
HOSPITAL, INSURER = "1000002222@hcx", "1000003538@hcx"
INR = "INR"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"


def inr(rupees: float) -> dict[str, Any]:
    return {"value": rupees, "currency": INR}


def concept(system: str, code: str, display: str = "") -> dict[str, Any]:
    coding = {"system": system, "code": code, **({"display": display} if display else {})}
    return {"coding": [coding]}


def headers(
    correlation: str, api_call: str, sender: str = HOSPITAL, at: str = "2026-10-10T10:00:05+05:30"
) -> dict:
    return {
        "x-hcx-api_call_id": api_call,
        "x-hcx-correlation_id": correlation,
        "x-hcx-workflow_id": "wf-0001",
        "x-hcx-sender_code": sender,
        "x-hcx-recipient_code": INSURER if sender == HOSPITAL else HOSPITAL,
        "x-hcx-timestamp": at,
        "x-hcx-status": "request.initiated",
    }


def claim(
    claim_id: str, use: str, total: float, created: str = "2026-10-10T10:00:00+05:30"
) -> dict[str, Any]:
    return {
        "resourceType": "Claim",
        "id": f"claim-{claim_id}",
        "meta": {"profile": [f"{PROFILE}Claim"]},
        "identifier": [{"system": "https://hospital.example/claims", "value": claim_id}],
        "status": "active",
        "type": concept("http://terminology.hl7.org/CodeSystem/claim-type", "institutional"),
        "use": use,
        "patient": {"reference": "urn:uuid:patient-1"},
        "created": created,
        "insurer": {"identifier": {"system": "https://hcx.example/participants", "value": INSURER}},
        "provider": {"identifier": {"system": "https://hcx.example/participants", "value": "br_blr01"}},
        "priority": concept("http://terminology.hl7.org/CodeSystem/processpriority", "normal"),
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": "urn:uuid:coverage-1"}}],
        "item": [
            {
                "sequence": 1,
                "productOrService": concept("https://hospital.example/packages", "HBP-SURG-01"),
                "encounter": [{"identifier": {"value": "IP200"}}],
                "unitPrice": inr(total),
            }
        ],
        "total": inr(total),
    }


def bundle(main: dict[str, Any], profile: str, bundle_id: str = "b-1") -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "patient-1", "name": [{"text": "Kiran Rao"}]}
    coverage = {
        "resourceType": "Coverage",
        "id": "coverage-1",
        "status": "active",
        "subscriberId": "POL-555",
        "beneficiary": {"reference": "urn:uuid:patient-1"},
        "payor": [{"identifier": {"value": INSURER}}],
    }
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "meta": {"versionId": "1", "profile": [f"{PROFILE}{profile}"]},
        "identifier": {"system": "https://hospital.example/bundles", "value": bundle_id},
        "type": "collection",
        "timestamp": "2026-10-10T10:00:00+05:30",
        "entry": [
            {"fullUrl": f"urn:uuid:{main['id']}", "resource": main},
            {"fullUrl": "urn:uuid:patient-1", "resource": patient},
            {"fullUrl": "urn:uuid:coverage-1", "resource": coverage},
        ],
    }


def response(
    claim_id: str, use: str, outcome: str, submitted: float, benefit: float, deductions=(), created: str = ""
) -> dict[str, Any]:
    adjudication = ADJUDICATION
    body: dict[str, Any] = {
        "resourceType": "ClaimResponse",
        "id": f"resp-{claim_id}",
        "status": "active",
        "type": concept("http://terminology.hl7.org/CodeSystem/claim-type", "institutional"),
        "use": use,
        "patient": {"reference": "urn:uuid:patient-1"},
        "created": created or "2026-10-12T16:00:00+05:30",
        "insurer": {"identifier": {"value": INSURER}},
        "requestor": {"identifier": {"value": "br_blr01"}},
        "request": {"identifier": {"value": claim_id}},
        "outcome": outcome,
        "total": [
            {"category": concept(adjudication, "submitted"), "amount": inr(submitted)},
            {"category": concept(adjudication, "benefit"), "amount": inr(benefit)},
        ],
    }
    if deductions:
        body["item"] = [
            {
                "itemSequence": 1,
                "adjudication": [
                    {"category": concept(adjudication, "submitted"), "amount": inr(submitted)},
                    *(
                        {
                            "category": concept(adjudication, "deductible"),
                            "reason": concept("https://nhcx.example/deduction-reasons", code, why),
                            "amount": inr(amount),
                        }
                        for code, why, amount in deductions
                    ),
                ],
            }
        ]
    return body


def notice(claim_id: str, utr: str, paid: float) -> dict[str, Any]:
    return {
        "resourceType": "PaymentNotice",
        "id": f"pn-{claim_id}",
        "status": "active",
        "identifier": [{"system": "https://bank.example/utr", "value": utr}],
        "request": {"identifier": {"value": claim_id}},
        "created": "2026-10-14T11:00:00+05:30",
        "payment": {"identifier": {"value": "PR-77"}},
        "recipient": {"identifier": {"value": "br_blr01"}},
        "amount": inr(paid),
    }


def reconciliation(utr: str, lines: list[tuple[str, str, float]]) -> dict[str, Any]:
    return {
        "resourceType": "PaymentReconciliation",
        "id": "pr-77",
        "status": "active",
        "created": "2026-10-14T12:00:00+05:30",
        "paymentDate": "2026-10-14",
        "paymentAmount": inr(sum(a for kind, _, a in lines if kind == "payment")),
        "paymentIdentifier": {"value": utr},
        "paymentIssuer": {"identifier": {"value": INSURER}},
        "detail": [
            {
                "type": concept("http://terminology.hl7.org/CodeSystem/payment-type", kind),
                "request": {"identifier": {"value": claim_id}},
                "amount": inr(amount),
            }
            for kind, claim_id, amount in lines
        ],
    }


def message(
    correlation: str, api_call: str, payload: dict[str, Any], sender: str = HOSPITAL, at: str = ""
) -> dict:
    stamp = {"at": at} if at else {}
    return {"headers": headers(correlation, api_call, sender, **stamp), "payload": payload}


# -- the query cycle and the enhancement ------------------------------------------------------------------
# After the NHCX IG's communication examples: the payer's query is a TaskBundle (a Task `poll` whose input is
# the CommunicationRequest, the request with `basedOn` / `about` the Claim and one `payload.contentString` per
# ask, the Claim, Patient and Coverage after); the provider's answer a TaskBundle with a Task `deliver`, the
# Communication (`basedOn` the request, `about` the Claim, its identifier echoed), the request echoed and the
# Claim. The HCX protocol also lets a bare CommunicationRequest travel, `about` naming the claim.
TASK_CODES = "http://terminology.hl7.org/CodeSystem/financialtaskcode"


def task(code: str, status: str, target: str, reason: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "Task",
        "id": f"task-{code}",
        "status": status,
        "intent": "order",
        "code": concept(TASK_CODES, code),
        "authoredOn": "2026-10-11T09:00:00+05:30",
        "input": [
            {
                "type": concept("http://terminology.hl7.org/CodeSystem/financialtaskinputtype", "include"),
                "valueReference": {"reference": target},
            }
        ],
    }
    if reason:
        body["reasonCode"] = concept("https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-task-reason-code", reason)
    return body


def _communication_common(
    kind: str, prefix: str, request_id: str, about: dict[str, Any], sender: str, recipient: str
) -> dict[str, Any]:
    """What a query and its answer both carry: the query's identifier (the answer echoes it), the claim."""
    return {
        "resourceType": kind,
        "id": f"{prefix}-{request_id}",
        "meta": {"profile": [f"{PROFILE}{kind}"]},
        "identifier": [{"system": "https://payer.example/queries", "value": request_id}],
        "about": [about],
        "sender": {"identifier": {"value": sender}},
        "recipient": [{"identifier": {"value": recipient}}],
    }


def communication_request(
    request_id: str, about: dict[str, Any], asks: list[str], reason: str = "", at: str = ""
) -> dict[str, Any]:
    body = _communication_common("CommunicationRequest", "cr", request_id, about, INSURER, HOSPITAL)
    body["status"] = "active"
    body["payload"] = [{"contentString": ask} for ask in asks]
    body["authoredOn"] = at or "2026-10-11T09:00:00+05:30"
    if reason:
        body["reasonCode"] = [concept("https://payer.example/query-reasons", reason, "Documents needed")]
    return body


def communication(
    request_id: str, about: dict[str, Any], text: str, sent: str = "", based_on: str = ""
) -> dict[str, Any]:
    body = _communication_common("Communication", "comm", request_id, about, HOSPITAL, INSURER)
    body |= {
        "status": "completed",
        "category": [concept("http://terminology.hl7.org/CodeSystem/communication-category", "notification")],
        "payload": [
            {"contentString": text},
            {"contentAttachment": {"contentType": "application/pdf", "title": "Discharge summary"}},
        ],
    }
    if based_on:
        body["basedOn"] = [{"reference": based_on}]
    if sent:
        body["sent"] = sent
    return body


def task_bundle(resources: list[dict[str, Any]], bundle_id: str) -> dict[str, Any]:
    """A collection Bundle profiled TaskBundle holding the resources (their fullUrl urn:uuid:<id>)."""
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "meta": {"profile": [f"{PROFILE}TaskBundle"]},
        "identifier": {"system": "https://payer.example/bundles", "value": bundle_id},
        "type": "collection",
        "timestamp": "2026-10-11T09:00:00+05:30",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


def enhancement(claim_id: str, total: float, created: str = "2026-10-11T12:00:00+05:30") -> dict[str, Any]:
    """A pre-authorisation enhancing the earlier one of the same number (`related`, relationship prior)."""
    body = claim(claim_id, "preauthorization", total, created)
    body["id"] = f"claim-{claim_id}-enh"
    body["related"] = [
        {
            "claim": {"identifier": {"value": claim_id}},
            "relationship": concept(
                "http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship", "prior"
            ),
        }
    ]
    return body


def with_documents(claim_bundle: dict[str, Any], documents: list[tuple[str, str, bytes]]) -> dict[str, Any]:
    """The ClaimBundle with a DocumentReference per (document kind, file name, bytes), the data inline with
    its size and FHIR's base64 SHA-1, each referenced from the Claim's supportingInfo (category attachment)."""
    import base64
    import hashlib

    claim = claim_bundle["entry"][0]["resource"]
    info = claim.setdefault("supportingInfo", [])
    for n, (kind, name, data) in enumerate(documents, start=1):
        doc_id = f"doc-{n}"
        claim_bundle["entry"].append(
            {
                "fullUrl": f"urn:uuid:{doc_id}",
                "resource": {
                    "resourceType": "DocumentReference",
                    "id": doc_id,
                    "status": "current",
                    "type": concept("https://hospital.example/document-types", kind),
                    "content": [
                        {
                            "attachment": {
                                "contentType": "application/pdf",
                                "data": base64.b64encode(data).decode(),
                                "size": len(data),
                                "hash": base64.b64encode(hashlib.sha1(data).digest()).decode(),
                                "title": name,
                            }
                        }
                    ],
                },
            }
        )
        info.append(
            {
                "sequence": len(info) + 1,
                "category": concept(
                    "http://terminology.hl7.org/CodeSystem/claiminformationcategory", "attachment"
                ),
                "valueReference": {"reference": f"urn:uuid:{doc_id}"},
            }
        )
    return claim_bundle
