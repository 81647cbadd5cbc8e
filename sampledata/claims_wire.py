"""The sample claims on the wire (docs/claims-sample.md): Sahay Health TPA's CSV export and Careline TPA's
NDJSON feed, each a file per IST day beside its YAML mapping (claims/tpa/<tpa>/), and NHCX messages
(headers + FHIR R4 bundle) a line each in claims/nhcx/<day>.ndjson. An event goes in the file of its day,
unless it is late (then in a later day's); a redelivered NHCX message is written again under another API
call id. One malformed record per wire is injected for the quarantine.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from ingestion.feeds.reference.spec import SPEC as REFERENCE_SPEC

from .adt_wire import iso_ist
from .claim_documents import FiledDocument, attach, document_references
from .claims import (
    CSV_TPA,
    DECISION_SLA_HOURS,
    HOSPITAL_CODE,
    NDJSON_TPA,
    NHCX,
    SETTLEMENT_SLA_HOURS,
    Claim,
    ClaimsSimulator,
    Step,
)
from .clock import iso_day
from .money import rupees

CLAIMS_DIR = "claims"
SLAS_FILE = "claim_slas.csv"  # in reference/
SLAS_HEADER = REFERENCE_SPEC.header("reference_claim_slas")
TPA_DIR = f"{CLAIMS_DIR}/tpa"
NHCX_DIR = f"{CLAIMS_DIR}/nhcx"
PROFILE = "https://nrces.in/ndhm/fhir/r4/StructureDefinition/"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
BAD_AMOUNT = "99k"

# Sahay's export: its status words for the platform's events.
SAHAY_STATUS = {
    "preauth_requested": "PA-RAISED",
    "preauth_approved": "PA-APPROVED",
    "claim_submitted": "CLAIM-RECEIVED",
    "query_raised": "QUERY",
    "query_answered": "QUERY-REPLY",
    "approved_full": "APPROVED",
    "approved_partial": "PART-APPROVED",
    "denied": "REPUDIATED",
    "settled": "SETTLED",
    "remittance_line": "REMITTANCE",
}
SAHAY_COLUMNS = (
    "Txn Id", "Intimation No", "Claim Type", "Claim Status", "Status Date", "Insurance Co", "Provider Code",
    "IP No", "Policy No", "Claimed Amt", "Sanctioned Amt", "Disallowed Amt", "Net Paid Amt", "TDS Amt",
    "Disallowance Details", "Reason Code", "Remarks", "UTR No",
)  # fmt: skip
SAHAY_MAPPING = f"""# Sahay Health TPA's claim status export (the sample's): one row per status change, IST times, rupees.
his: Sahay Health TPA claim status export
sender: {CSV_TPA}
zone: Asia/Kolkata
time_formats: ["%d/%m/%Y %H:%M:%S"]
amounts: rupees
columns:
  message_id: Txn Id
  claim_id: Intimation No
  claim_kind: {{column: Claim Type, codes: {{PA: preauth, CL: claim}}}}
  event_type:
    column: Claim Status
    codes:
{chr(10).join(f"      {word}: {event}" for event, word in SAHAY_STATUS.items())}
  event_time: Status Date
  insurer: Insurance Co
  tpa: {{const: Sahay Health TPA}}
  branch_id: Provider Code
  visit_number: IP No
  policy_number: Policy No
  requested_paise: Claimed Amt
  approved_paise: Sanctioned Amt
  deducted_paise: Disallowed Amt
  paid_paise: Net Paid Amt
  tds_paise: TDS Amt
  deductions: Disallowance Details
  reason_code: Reason Code
  remarks: Remarks
  utr: UTR No
"""
CARELINE_MAPPING = f"""# Careline TPA's claim events feed (the sample's): one JSON object per line, times with their offset,
# amounts in paise, deductions as a list of {{code, amount, reason}}.
his: Careline TPA claim events feed
sender: {NDJSON_TPA}
time_formats: [iso8601]
amounts: paise
columns:
  message_id: event_id
  correlation_id: claim.reference
  claim_id: claim.number
  claim_kind: {{column: claim.type, codes: {{PREAUTH: preauth, CLAIM: claim}}}}
  event_type:
    column: status
    codes:
{chr(10).join(f"      {event.upper()}: {event}" for event in SAHAY_STATUS)}
  event_time: status_at
  insurer: insurer.name
  tpa: {{const: Careline TPA}}
  branch_id: hospital.code
  visit_number: hospital.ip_number
  policy_number: policy.number
  requested_paise: amounts.claimed
  approved_paise: amounts.approved
  deducted_paise: amounts.deducted
  paid_paise: payment.net_paid
  tds_paise: payment.tds
  deductions: deductions
  reason_code: reason.code
  remarks: reason.text
  utr: payment.utr
"""


def _money(paise: int | None) -> str:
    return "" if paise is None else rupees(paise)


def sahay_row(c: Claim, s: Step) -> list[str]:
    ist = iso_ist(s.at_ms)  # 2026-10-01T10:00:00+05:30
    stamp = f"{ist[8:10]}/{ist[5:7]}/{ist[0:4]} {ist[11:19]}"
    return [
        s.message_id, c.claim_id, "PA" if s.kind == "preauth" else "CL", SAHAY_STATUS[s.event], stamp,
        c.insurer, c.visit.branch.branch_id, c.visit.visit_number, c.policy_number, _money(s.requested),
        _money(s.approved), _money(s.deducted), _money(s.paid), _money(s.tds),
        ";".join(f"{code}:{rupees(amount)}:{why}" for code, why, amount in s.deductions),
        s.reason_code, s.remarks, s.utr,
    ]  # fmt: skip


def careline_object(c: Claim, s: Step) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "event_id": s.message_id,
        "status": s.event.upper(),
        "status_at": iso_ist(s.at_ms),
        "claim": {"number": c.claim_id, "type": s.kind.upper(), "reference": f"CRL-REF-{c.claim_id[-6:]}"},
        "insurer": {"name": c.insurer},
        "hospital": {"code": c.visit.branch.branch_id, "ip_number": c.visit.visit_number},
        "policy": {"number": c.policy_number},
    }
    amounts = {"claimed": s.requested, "approved": s.approved, "deducted": s.deducted}
    if any(v is not None for v in amounts.values()):
        obj["amounts"] = amounts
    if s.deductions:
        obj["deductions"] = [{"code": k, "amount": a, "reason": why} for k, why, a in s.deductions]
    if s.reason_code or s.remarks:
        obj["reason"] = {"code": s.reason_code or None, "text": s.remarks}
    if s.paid is not None:
        obj["payment"] = {"net_paid": s.paid, "tds": s.tds, "utr": s.utr}
    return obj


# -- NHCX --------------------------------------------------------------------------------------------
def _inr(paise: int) -> dict[str, Any]:
    return {"value": paise / 100, "currency": "INR"}


def _code(system: str, code: str, display: str = "") -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, **({"display": display} if display else {})}]}


def _ident(value: str) -> dict[str, Any]:
    return {"identifier": {"value": value}}


def _bundle(main: dict[str, Any], profile: str, c: Claim, bundle_id: str, at: str) -> dict[str, Any]:
    p = c.visit.patient
    patient = {
        "resourceType": "Patient",
        "id": "patient-1",
        "identifier": [{"system": "urn:mymedic-his:mrn", "value": p.mrn}],
        "name": [{"family": p.family, "given": [p.given]}],
        "gender": {"M": "male", "F": "female"}[p.sex],
    }
    coverage = {
        "resourceType": "Coverage",
        "id": "coverage-1",
        "status": "active",
        "subscriberId": c.policy_number,
        "beneficiary": {"reference": "urn:uuid:patient-1"},
        "payor": [_ident(c.insurer_code)],
    }
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "meta": {"versionId": "1", "profile": [f"{PROFILE}{profile}"]},
        "identifier": {"system": "https://mymedic.example/nhcx/bundles", "value": bundle_id},
        "type": "collection",
        "timestamp": at,
        "entry": [
            {"fullUrl": f"urn:uuid:{main['id']}", "resource": main},
            {"fullUrl": "urn:uuid:patient-1", "resource": patient},
            {"fullUrl": "urn:uuid:coverage-1", "resource": coverage},
        ],
    }


def _claim_common(resource: str, c: Claim, s: Step, at: str) -> dict[str, Any]:
    """What a Claim and its ClaimResponse both carry."""
    return {
        "resourceType": resource,
        "id": f"{resource.lower()}-{c.claim_id}-{s.kind}",
        "status": "active",
        "type": _code("http://terminology.hl7.org/CodeSystem/claim-type", "institutional"),
        "use": "preauthorization" if s.kind == "preauth" else "claim",
        "patient": {"reference": "urn:uuid:patient-1"},
        "created": at,
        "insurer": _ident(c.insurer_code),
    }


def _claim(c: Claim, s: Step, at: str) -> dict[str, Any]:
    return {
        **_claim_common("Claim", c, s, at),
        "meta": {"profile": [f"{PROFILE}Claim"]},
        "identifier": [{"system": "https://mymedic.example/claims", "value": c.claim_id}],
        "provider": _ident(c.visit.branch.branch_id),
        "priority": _code("http://terminology.hl7.org/CodeSystem/processpriority", "normal"),
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": "urn:uuid:coverage-1"}}],
        "item": [
            {
                "sequence": 1,
                "productOrService": _code("https://mymedic.example/packages", "IP-STAY"),
                "encounter": [_ident(c.visit.visit_number)],
                "unitPrice": _inr(s.requested or 0),
            }
        ],
        "total": _inr(s.requested or 0),
    }


def _response(c: Claim, s: Step, submitted: int, at: str) -> dict[str, Any]:
    outcome = {"denied": "error", "approved_partial": "partial"}.get(s.event, "complete")
    benefit = s.approved or 0
    body: dict[str, Any] = {
        **_claim_common("ClaimResponse", c, s, at),
        "requestor": _ident(c.visit.branch.branch_id),
        "request": _ident(c.claim_id),
        "outcome": outcome,
        "total": [
            {"category": _code(ADJUDICATION, "submitted"), "amount": _inr(submitted)},
            {"category": _code(ADJUDICATION, "benefit"), "amount": _inr(benefit)},
        ],
    }
    if s.event == "denied":
        body["disposition"] = s.remarks
        body["error"] = [{"code": _code("https://nhcx.example/denial-reasons", s.reason_code, s.remarks)}]
    if s.deductions:
        body["item"] = [
            {
                "itemSequence": 1,
                "adjudication": [
                    {"category": _code(ADJUDICATION, "submitted"), "amount": _inr(submitted)},
                    *(
                        {
                            "category": _code(ADJUDICATION, "deductible"),
                            "reason": _code("https://nhcx.example/deduction-reasons", code, why),
                            "amount": _inr(amount),
                        }
                        for code, why, amount in s.deductions
                    ),
                ],
            }
        ]
    return body


def _notice(c: Claim, s: Step, at: str) -> dict[str, Any]:
    return {
        "resourceType": "PaymentNotice",
        "id": f"pn-{c.claim_id}",
        "status": "active",
        "identifier": [{"system": "https://mymedic.example/utr", "value": s.utr}],
        "request": _ident(c.claim_id),
        "created": at,
        "payment": _ident(f"PR-{s.utr}"),
        "recipient": _ident(c.visit.branch.branch_id),
        "amount": _inr(s.paid or 0),
    }


def _reconciliation(c: Claim, s: Step, at: str) -> dict[str, Any]:
    details = [("payment", s.paid or 0), ("tds", s.tds or 0)]
    return {
        "resourceType": "PaymentReconciliation",
        "id": f"pr-{c.claim_id}",
        "status": "active",
        "created": at,
        "paymentDate": at[:10],
        "paymentAmount": _inr(s.paid or 0),
        "paymentIdentifier": {"value": s.utr},
        "paymentIssuer": _ident(c.insurer_code),
        "detail": [
            {
                "type": _code("http://terminology.hl7.org/CodeSystem/payment-type", kind),
                "request": _ident(c.claim_id),
                "amount": _inr(amount),
            }
            for kind, amount in details
        ],
    }


# -- NHCX: the query cycle and the enhancement ---------------------------------------------------------
# After the NHCX IG's communication examples: the payer's query a TaskBundle (a Task `poll` whose input is the
# CommunicationRequest), the provider's answer a TaskBundle (a Task `deliver`, the Communication basedOn the
# request and about the claim, its identifier echoed, the request echoed).
TASK_CODE = "http://terminology.hl7.org/CodeSystem/financialtaskcode"
TASK_INPUT = "http://terminology.hl7.org/CodeSystem/financialtaskinputtype"
QUERY_REASONS = "https://nhcx.example/query-reasons"


def _task(code: str, status: str, target: str, at: str) -> dict[str, Any]:
    return {
        "resourceType": "Task",
        "id": f"task-{target.rsplit(':', 1)[-1]}",
        "status": status,
        "intent": "order",
        "code": _code(TASK_CODE, code),
        "authoredOn": at,
        "input": [{"type": _code(TASK_INPUT, "include"), "valueReference": {"reference": target}}],
    }


def _query_request(c: Claim, s: Step, query_id: str, at: str) -> dict[str, Any]:
    return {
        "resourceType": "CommunicationRequest",
        "id": f"cr-{query_id}",
        "meta": {"profile": [f"{PROFILE}CommunicationRequest"]},
        "identifier": [{"system": "https://nhcx.example/queries", "value": query_id}],
        "status": "active",
        "about": [_ident(c.claim_id)],
        "reasonCode": [_code(QUERY_REASONS, s.reason_code, s.remarks)],
        "payload": [{"contentString": s.remarks}],
        "authoredOn": at,
        "sender": _ident(c.insurer_code),
        "recipient": [_ident(c.visit.branch.branch_id)],
    }


def _task_bundle(c: Claim, resources: list[dict[str, Any]], bundle_id: str, at: str) -> dict[str, Any]:
    """A TaskBundle: the Task first, then the communication (and what it echoes), the Patient, the Coverage."""
    task, main, *echoed = resources
    body = _bundle(main, "TaskBundle", c, bundle_id, at)
    body["entry"][1:1] = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in echoed]
    body["entry"].insert(0, {"fullUrl": f"urn:uuid:{task['id']}", "resource": task})
    return body


def _query(c: Claim, s: Step, query_id: str, bundle_id: str, at: str) -> dict[str, Any]:
    request = _query_request(c, s, query_id, at)
    task = _task("poll", "requested", f"urn:uuid:{request['id']}", at)
    task["reasonCode"] = _code(
        "https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-task-reason-code", "additionalinfo"
    )
    return _task_bundle(c, [task, request], bundle_id, at)


def _answer(c: Claim, s: Step, request: dict[str, Any], bundle_id: str, at: str) -> dict[str, Any]:
    query_id = request["identifier"][0]["value"]
    answer = {
        "resourceType": "Communication",
        "id": f"comm-{query_id}",
        "meta": {"profile": [f"{PROFILE}Communication"]},
        "identifier": request["identifier"],
        "basedOn": [{"reference": f"urn:uuid:{request['id']}"}],
        "status": "completed",
        "category": [_code("http://terminology.hl7.org/CodeSystem/communication-category", "notification")],
        "about": [_ident(c.claim_id)],
        "sent": at,
        "sender": _ident(c.visit.branch.branch_id),
        "recipient": [_ident(c.insurer_code)],
        "payload": [{"contentString": s.remarks}],
    }
    task = _task("deliver", "completed", f"urn:uuid:{answer['id']}", at)
    return _task_bundle(c, [task, answer, request], bundle_id, at)


def _enhancement(c: Claim, s: Step, at: str) -> dict[str, Any]:
    """The enhancement's Claim: a new pre-authorisation of the same number, related to the earlier one."""
    claim = _claim(c, s, at)
    claim["id"] = f"claim-{c.claim_id}-enhancement"
    claim["related"] = [
        {
            "claim": _ident(c.claim_id),
            "relationship": _code(
                "http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship", "prior"
            ),
        }
    ]
    return claim


def _enhancement_response(c: Claim, s: Step, earlier: int, at: str) -> dict[str, Any]:
    """The approval: benefit what this round grants, eligible the total the case now stands at."""
    body = _response(c, s, s.requested or 0, at)
    body["id"] = f"claimresponse-{c.claim_id}-enhancement"
    body["total"][1]["amount"] = _inr((s.approved or 0) - earlier)
    body["total"].append({"category": _code(ADJUDICATION, "eligible"), "amount": _inr(s.approved or 0)})
    return body


def nhcx_messages(
    c: Claim, sim: ClaimsSimulator, documents: list[FiledDocument] | None = None
) -> list[tuple[int, int, dict[str, Any]]]:
    """(file day, time, message) for each delivery of the claim's NHCX messages. A request and its response
    share a correlation id (the pre-auth's, the claim's, an enhancement's); a payment notice and the remittance
    have their own; the payer's query opens its own, which the answer carries. A request's ClaimBundle carries
    the documents filed with it by then (sampledata/claim_documents.py)."""
    out = []
    correlation = {"preauth": sim.uuid(), "claim": sim.uuid()}
    submitted = preauthorised = 0
    query: dict[str, Any] = {}  # the open query: its CommunicationRequest and correlation id
    queries = 0
    for s in c.steps:
        at = iso_ist(s.at_ms)
        enhancing = s.event == "preauth_enhanced"
        hospital_sends = s.event in ("preauth_requested", "claim_submitted", "query_answered") or (
            enhancing and s.approved is None
        )
        if enhancing:
            corr = correlation.setdefault("enhancement", sim.uuid())
            if s.approved is None:
                payload = _bundle(_enhancement(c, s, at), "ClaimBundle", c, sim.uuid(), at)
            else:
                response = _enhancement_response(c, s, preauthorised, at)
                payload = _bundle(response, "ClaimResponseBundle", c, sim.uuid(), at)
                preauthorised = s.approved
        elif s.event == "query_raised":
            queries += 1
            payload, corr = _query(c, s, f"Q-{c.claim_id}-{queries}", sim.uuid(), at), sim.uuid()
            query = {"request": payload["entry"][1]["resource"], "corr": corr}
        elif s.event == "query_answered":
            payload, corr = _answer(c, s, query["request"], sim.uuid(), at), query["corr"]
        elif hospital_sends:
            submitted = s.requested or 0
            payload = _bundle(_claim(c, s, at), "ClaimBundle", c, sim.uuid(), at)
            attach(payload, document_references(c, s.kind, s.at_ms, documents or []))
            corr = correlation[s.kind]
        elif s.event == "settled":
            payload, corr = _notice(c, s, at), sim.uuid()
        elif s.event == "remittance_line":
            payload, corr = _reconciliation(c, s, at), sim.uuid()
        else:
            payload = _bundle(_response(c, s, submitted, at), "ClaimResponseBundle", c, sim.uuid(), at)
            corr = correlation[s.kind]
            if s.event == "preauth_approved":
                preauthorised = s.approved or 0
        for n in range(s.deliveries):
            headers = {
                "x-hcx-api_call_id": sim.uuid(),
                "x-hcx-correlation_id": corr,
                "x-hcx-workflow_id": f"wf-{c.claim_id}",
                "x-hcx-sender_code": HOSPITAL_CODE if hospital_sends else c.insurer_code,
                "x-hcx-recipient_code": c.insurer_code if hospital_sends else HOSPITAL_CODE,
                "x-hcx-timestamp": at,  # when the sender created the message: a redelivery's too
                "x-hcx-status": "request.initiated"
                if s.event == "query_raised" or (hospital_sends and s.event != "query_answered")
                else "response.complete",
            }
            # the first redelivery comes in the same day's file, the next in the following day's
            day = min(s.file_day + (1 if n >= 2 else 0), sim.last_day)
            out.append((day, s.at_ms + n * 3_600_000, {"headers": headers, "payload": payload}))
    return out


# -- files -------------------------------------------------------------------------------------------
def write_claims(
    out: Path, claims: list[Claim], sim: ClaimsSimulator, documents: list[FiledDocument] | None = None
) -> tuple[list[Path], list[dict]]:
    """Every claim's events in its channel's daily files, and the mappings; returns (files, the expected
    quarantine: file, line, a fragment of the reason). NHCX requests carry their `documents`."""
    by_file: dict[tuple[str, int], list[tuple[int, str]]] = {}
    for c in claims:
        if c.channel == NHCX:
            for day, at, message in nhcx_messages(c, sim, documents):
                by_file.setdefault((NHCX, day), []).append((at, json.dumps(message, ensure_ascii=False)))
            continue
        for s in c.steps:
            line = (
                json.dumps(careline_object(c, s), ensure_ascii=False)
                if c.channel == NDJSON_TPA
                else _csv_line(sahay_row(c, s))
            )
            by_file.setdefault((c.channel, s.file_day), []).append((s.at_ms, line))
    quarantine: list[dict] = []
    _inject_malformed(by_file, claims, sim, quarantine)
    paths: list[Path] = []
    for (channel, day), lines in sorted(by_file.items()):
        folder = out / (NHCX_DIR if channel == NHCX else f"{TPA_DIR}/{channel}")
        suffix = ".csv" if channel == CSV_TPA else ".ndjson"
        path = folder / f"{iso_day(day)}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        body = [text for _, text in sorted(lines, key=lambda x: x[0])]
        header = [_csv_line(list(SAHAY_COLUMNS))] if channel == CSV_TPA else []
        path.write_text("".join(f"{t}\n" for t in header + body), encoding="utf-8")
        paths.append(path)
        rel = str(path.relative_to(out))
        for q in quarantine:
            if q.get("_key") == (channel, day):
                del q["_key"]
                q["file"] = rel
                q["line"] = len(header) + body.index(q.pop("_text")) + 1
    for channel, text in ((CSV_TPA, SAHAY_MAPPING), (NDJSON_TPA, CARELINE_MAPPING)):
        path = out / TPA_DIR / channel / "mapping.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths, quarantine


def _csv_line(cells: list[str]) -> str:
    class _Line:
        text = ""

        def write(self, s: str) -> None:
            self.text += s

    sink = _Line()
    csv.writer(sink, lineterminator="").writerow(cells)
    return sink.text


def _inject_malformed(
    by_file: dict[tuple[str, int], list[tuple[int, str]]],
    claims: list[Claim],
    sim: ClaimsSimulator,
    quarantine: list[dict],
) -> None:
    """A Sahay row re-exported with its paid amount garbled (under a new event id), and an NHCX ClaimBundle
    whose Claim has no total (the profile requires 1..1)."""
    sahay = [(c, s) for c in claims if c.channel == CSV_TPA for s in c.steps if s.event == "settled"]
    if sahay:
        c, s = sahay[0]
        row = sahay_row(c, s)
        row[0] = f"{s.message_id}R"
        row[12] = BAD_AMOUNT
        text = _csv_line(row)
        by_file[(CSV_TPA, s.file_day)].append((s.at_ms + 1000, text))
        quarantine.append(
            {"_key": (CSV_TPA, s.file_day), "_text": text, "reason": f"has '{BAD_AMOUNT}', not an amount"}
        )
    nhcx = [(c, s) for c in claims if c.channel == NHCX for s in c.steps if s.event == "claim_submitted"]
    if nhcx:
        c, s = nhcx[0]
        at = iso_ist(s.at_ms)
        claim = _claim(c, s, at)
        del claim["total"]
        headers = {
            "x-hcx-api_call_id": sim.uuid(),
            "x-hcx-correlation_id": sim.uuid(),
            "x-hcx-workflow_id": f"wf-{c.claim_id}",
            "x-hcx-sender_code": HOSPITAL_CODE,
            "x-hcx-recipient_code": c.insurer_code,
            "x-hcx-timestamp": at,
        }
        payload = _bundle(claim, "ClaimBundle", c, sim.uuid(), at)
        text = json.dumps({"headers": headers, "payload": payload}, ensure_ascii=False)
        by_file[(NHCX, s.file_day)].append((s.at_ms - 1000, text))
        quarantine.append(
            {
                "_key": (NHCX, s.file_day),
                "_text": text,
                "reason": "Claim.total: 0 found, the NHCX profile requires 1..1",
            }
        )


def write_claim_slas(directory: Path, tenant_id: str) -> Path:
    """reference/claim_slas.csv: the sample's service levels, one default row (any insurer, any TPA), so the
    marts' due times are the truth's."""
    path = directory / SLAS_FILE
    directory.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(SLAS_HEADER)
        writer.writerow((tenant_id, "", "", DECISION_SLA_HOURS, SETTLEMENT_SLA_HOURS))
    return path
