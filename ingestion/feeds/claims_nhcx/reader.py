"""NHCX claim messages: the HCX protocol headers and a FHIR R4 payload, parsed with fhir.resources.R4B.

A message is what the HCX gateway delivers once its JWE is opened: a JSON object
`{"headers": {"x-hcx-api_call_id", "x-hcx-correlation_id", "x-hcx-workflow_id", "x-hcx-sender_code",
"x-hcx-recipient_code", "x-hcx-timestamp", ...}, "payload": <FHIR resource>}`. A `.json` file holds one
message, an `.ndjson` file one per line. The payload is one of the NHCX profiles (docs/claims.md):

- `ClaimBundle` (a collection Bundle with one Claim): `use` preauthorization -> preauth_requested, claim ->
  claim_submitted; the requested amount is `Claim.total`; the bundle's DocumentReferences (which
  `Claim.supportingInfo` references) are the documents it was filed with, in the `documents` column. A
  pre-authorisation that enhances an earlier one (`Claim.related` naming it, relationship `prior`, or the NHCX
  pins' entry `.../preauth/enhancement`) -> preauth_enhanced, for the earlier one's claim id, the new total
  requested.
- `ClaimResponseBundle` (one ClaimResponse): outcome queued -> query_raised; error -> denied (or
  preauth_rejected), the reason from `error.code`; complete / partial -> approved_full, or approved_partial when
  an item adjudication carries a deduction (category `deductible`, its `reason` the code) or the benefit is
  less than submitted. A pre-authorisation's approval is preauth_approved; one whose `eligible` total (what the
  case stands at) exceeds its `benefit` (granted this round) approves an enhancement: preauth_enhanced with
  the eligible total as the new approved total.
- `CommunicationRequest` (the payer's query, `/communication/request`; bare or in a Bundle such as NHCX's
  TaskBundle) -> query_raised: the claim its `about` (else `basedOn`) names, the reason its `reasonCode` (else
  `category`, else the Task's reason) code, the remarks its `payload` text. `Communication` (the provider's
  answer, `/communication/on_request`) -> query_answered, the same way (its reason from `reasonCode` or the
  Task's only), its time `sent` (else the message's). A bundle carrying a Communication is the answer whatever
  else it echoes (the request, the Claim).
- `PaymentNotice` -> settled: `amount` paid, the UTR from its identifier (or its payment's).
- `PaymentReconciliation` -> one remittance_line per `detail` of type payment for a claim (its `request`),
  with the TDS of that claim's detail of type `tds`; the UTR is `paymentIdentifier`.

Each message's events are keyed by `<correlation id>/<event>[/<qualifier>][#n]` within source `nhcx`: NHCX
redelivers a message up to 5 times, and a redelivery (under the same or another x-hcx-api_call_id) is the same
row, stored once. The qualifier tells apart events one correlation id carries several of: a query or answer's
own identifier (a cycle can hold several queries), `requested` for an enhancement's request (its approval
shares the correlation id and the event). A message that is not JSON, lacks a protocol header, does not parse
as FHIR R4 or breaks the profile's cardinality (counted below) is quarantined with the FHIR path and the reason.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from core.time import IST
from ingestion.claim_documents import (
    DOCUMENT_KINDS,
    MAX_DOCUMENT_BYTES,
    ClaimDocument,
    content_type_of,
    documents_json,
    fhir_sha1,
    sha256_hex,
)
from ingestion.claim_event import Deduction, claim_row, deductions_json
from ingestion.csv_source import physical_lines
from ingestion.feeds.base import LoadContext
from ingestion.records import Frame, Record, RowError
from ingestion.spec import TableSpec

SOURCE = "nhcx"
HEADERS_REQUIRED = ("x-hcx-api_call_id", "x-hcx-correlation_id", "x-hcx-sender_code", "x-hcx-timestamp")
MAIN = ("Claim", "ClaimResponse", "PaymentReconciliation", "PaymentNotice")
# The query cycle's resources. A bundle carrying one is about it, whatever context it also carries (NHCX's
# TaskBundle echoes the request and the Claim in the answer): the answer first, then the query.
COMMUNICATIONS = ("Communication", "CommunicationRequest")
KINDS = (*MAIN, *COMMUNICATIONS)
PROFILE_OF = {"Claim": "ClaimBundle", "ClaimResponse": "ClaimResponseBundle"}
PRIOR = "prior"  # Claim.related.relationship (ex-relatedclaimrelationship): the claim this one follows on
ENHANCEMENT_ANCHOR = "/preauth/enhancement"  # the NHCX pins' fullUrl of an enhancement's Claim
# The profiles' cardinalities this reader relies on, beyond base R4's (which fhir.resources checks): the
# element's path and its min..max (None: unbounded).
CARDINALITY: dict[str, tuple[tuple[str, int, int | None], ...]] = {
    "Bundle": (("type", 1, 1), ("identifier", 1, 1), ("timestamp", 1, 1)),
    "Claim": (("identifier", 1, None), ("use", 1, 1), ("created", 1, 1), ("insurer", 1, 1), ("total", 1, 1)),
    "ClaimResponse": (
        ("use", 1, 1),
        ("outcome", 1, 1),
        ("created", 1, 1),
        ("request.identifier.value", 1, 1),
    ),
    "PaymentNotice": (("created", 1, 1), ("request.identifier.value", 1, 1)),
    "PaymentReconciliation": (("created", 1, 1), ("paymentIdentifier.value", 1, 1), ("detail", 1, None)),
    "CommunicationRequest": (("identifier.value", 1, None), ("authoredOn", 1, 1)),
    "Communication": (("identifier.value", 1, None), ("payload", 1, None)),
}


def _fhir_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def parse(data: dict[str, Any], where: str) -> Any:
    """The resource as its fhir.resources R4B model; raises RowError with the FHIR path and reason."""
    kind = str(data.get("resourceType") or "")
    try:
        model = get_fhir_model_class(kind)
    except (KeyError, ValueError):
        raise RowError(f"{where}: {kind or '(no resourceType)'} is not a FHIR R4 resource type") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise RowError(
            f"{where} is not valid FHIR R4: {kind}{_fhir_path(tuple(err['loc']))}: {msg}"
        ) from None


def _values(obj: Any, path: str) -> list[Any]:
    """The values at a dotted element path (lists flattened; absent elements give none)."""
    current = [obj]
    for name in path.split("."):
        nxt: list[Any] = []
        for item in current:
            value = getattr(item, name, None)
            if isinstance(value, list):
                nxt.extend(v for v in value if v is not None)
            elif value is not None:
                nxt.append(value)
        current = nxt
    return current


def check_cardinality(resource: Any, where: str) -> None:
    kind = resource.get_resource_type()
    for path, low, high in CARDINALITY.get(kind, ()):
        count = len(_values(resource, path))
        if count < low or (high is not None and count > high):
            allowed = f"{low}..{'*' if high is None else high}"
            raise RowError(f"{where}{kind}.{path}: {count} found, the NHCX profile requires {allowed}")


def _paise(money: Any, where: str) -> int | None:
    if money is None or money.value is None:
        return None
    if money.currency not in (None, "INR"):
        raise RowError(f"{where}.currency is {money.currency!r}; expected INR")
    scaled = Decimal(str(money.value)) * 100
    if scaled != scaled.to_integral_value():
        raise RowError(f"{where}.value {money.value} is not a whole number of paise")
    return int(scaled)


def _code(concept: Any) -> tuple[str, str]:
    """A CodeableConcept's first code and its display (or text)."""
    if concept is None:
        return "", ""
    coding = concept.coding[0] if concept.coding else None
    code = str(coding.code or "") if coding is not None else ""
    display = str((coding.display if coding is not None else None) or concept.text or "")
    return code, display


def _ref_id(reference: Any) -> str:
    """A Reference's business identifier, else its display, else the id in its reference."""
    if reference is None:
        return ""
    if reference.identifier is not None and reference.identifier.value:
        return str(reference.identifier.value)
    return str(reference.display or (reference.reference or "").rsplit("/", 1)[-1])


def _time(value: Any, where: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif hasattr(value, "isoformat"):  # a FHIR date: midnight IST
        moment = datetime(value.year, value.month, value.day)
    else:
        raise RowError(f"{where} is missing")
    return moment if moment.tzinfo else moment.replace(tzinfo=IST)


def _header_time(value: object) -> datetime:
    """x-hcx-timestamp: epoch seconds (or milliseconds), or an ISO 8601 time (IST without an offset)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, tz=UTC)
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise RowError(f"headers.x-hcx-timestamp {value!r} is not a time (ISO 8601 or epoch)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=IST)


class Message:
    """One delivered message: its headers and the payload's main resource (with its Bundle's others)."""

    def __init__(self, data: object) -> None:
        if not isinstance(data, dict) or not isinstance(data.get("headers"), dict):
            raise RowError("not an NHCX message: expected a JSON object with headers and payload")
        self.headers: dict[str, Any] = data["headers"]
        for name in HEADERS_REQUIRED:
            value = self.headers.get(name)
            if value in (None, "") or isinstance(value, dict | list):
                raise RowError(f"headers.{name} is missing; an NHCX message carries it")
        self.correlation_id = str(self.headers["x-hcx-correlation_id"])
        self.message_time = _header_time(self.headers["x-hcx-timestamp"])
        payload = data.get("payload")
        if not isinstance(payload, dict):
            raise RowError("payload is not a FHIR resource (a JSON object)")
        self.raw = json.dumps(payload, ensure_ascii=False)
        self.others: list[Any] = []
        self.resources: list[Any] = []  # the Bundle's entries' resources, in order
        self.by_url: dict[str, Any] = {}  # a bundle's resources by fullUrl and by Type/id
        self.main_url = ""
        root = parse(payload, "payload")
        if root.get_resource_type() == "Bundle":
            check_cardinality(root, "payload: ")
            if root.type != "collection":
                raise RowError(f"payload: Bundle.type is {root.type!r}; the NHCX bundles are collection")
            entries = [e for e in root.entry or [] if e.resource is not None]
            resources = [e.resource for e in entries]
            self.resources = resources
            for entry in entries:
                self.by_url[str(entry.fullUrl or "")] = entry.resource
                if entry.resource.id:
                    self.by_url[f"{entry.resource.get_resource_type()}/{entry.resource.id}"] = entry.resource
            self.by_url.pop("", None)
            mains = _mains(resources)
            if len(mains) != 1:
                kinds = ", ".join(r.get_resource_type() for r in mains) or "none"
                raise RowError(
                    f"payload: Bundle.entry: the NHCX bundle carries one of {', '.join(KINDS)}; found {kinds}"
                )
            self.main = mains[0]
            self.others = [r for r in resources if r is not self.main]
            index = resources.index(self.main)
            self.main_url = str(entries[index].fullUrl or "")
            where = f"payload: Bundle.entry[{index}].resource: "
            profiles = [str(p) for p in (root.meta.profile if root.meta and root.meta.profile else [])]
            expected = PROFILE_OF.get(self.main.get_resource_type())
            if expected and profiles and not any(p.endswith(f"/{expected}") for p in profiles):
                raise RowError(
                    f"payload: Bundle.meta.profile {profiles[0]} is not {expected}, which a "
                    f"{self.main.get_resource_type()} comes in"
                )
        else:
            if root.get_resource_type() not in KINDS:
                raise RowError(
                    f"payload: a {root.get_resource_type()}; expected a Bundle or one of {', '.join(KINDS)}"
                )
            self.main, where = root, "payload: "
        check_cardinality(self.main, where)
        self.where = f"{where}{self.main.get_resource_type()}"  # how a reason names the main resource

    def common(self, context: LoadContext) -> dict[str, Any]:
        h = self.headers
        return {
            "tenant_id": context.tenant_id,
            "source": SOURCE,
            "sender": str(h["x-hcx-sender_code"]),
            "api_call_id": str(h["x-hcx-api_call_id"]),
            "correlation_id": self.correlation_id,
            "workflow_id": str(h.get("x-hcx-workflow_id") or ""),
            "message_time": self.message_time,
            "raw": self.raw,
        }

    def resolve(self, reference: Any) -> Any:
        """The bundle's resource a Reference points at (by fullUrl or Type/id), None if not in the bundle."""
        return self.by_url.get(str(reference.reference or "")) if reference is not None else None

    def claim_named(self, references: list[Any]) -> str:
        """The claim number the first of the references that names a claim gives: a Claim of the bundle (its
        identifier), a CommunicationRequest of the bundle (the claim it names), else a reference's own
        identifier, or a literal `Claim/<id>`. '' when none does."""
        for ref in references:
            target = self.resolve(ref)
            if target is not None:
                kind = target.get_resource_type()
                if kind == "Claim" and target.identifier and target.identifier[0].value:
                    return str(target.identifier[0].value)
                if kind == "CommunicationRequest" and target is not self.main:
                    found = self.claim_named([*(target.about or []), *(target.basedOn or [])])
                    if found:
                        return found
                continue
            if ref.identifier is not None and ref.identifier.value:
                return str(ref.identifier.value)
            if str(ref.reference or "").startswith("Claim/"):
                return str(ref.reference).removeprefix("Claim/")
        return ""

    def coverage_policy(self) -> str:
        for r in self.others:
            if r.get_resource_type() == "Coverage":
                return str(r.subscriberId or (r.identifier[0].value if r.identifier else "") or "")
        return ""


def _document(resource: Any, where: str) -> ClaimDocument:
    """A DocumentReference as a claim document: its kind (a `type` coding's code), its first attachment's
    content type, title, size and, when the data is inline, the SHA-256 of it (the attachment's size and
    SHA-1 `hash`, when stated, must be the data's)."""
    codes = [str(c.code or "") for c in (resource.type.coding or [] if resource.type else [])]
    kind = next((c for c in codes if c in DOCUMENT_KINDS), "")
    if not kind:
        found = ", ".join(repr(c) for c in codes) or "no code"
        raise RowError(
            f"{where}.type has {found}, not a claim document kind; expected one of {', '.join(DOCUMENT_KINDS)}"
        )
    attachment = resource.content[0].attachment
    at = f"{where}.content[0].attachment"
    if not attachment.contentType:
        raise RowError(f"{at}.contentType: 0 found, the claim's documents require 1..1")
    name = str(attachment.title or (attachment.url or "").rsplit("/", 1)[-1] or "")
    if not name:
        raise RowError(f"{at}: neither title nor url names the file")
    expected = content_type_of(name, f"{at}.title")
    if attachment.contentType != expected:
        raise RowError(f"{at}.contentType is {attachment.contentType!r}, but the file {name!r} is {expected}")
    data = attachment.data
    if data is None:
        if not attachment.url or attachment.size is None:
            raise RowError(f"{at}: without data, the attachment needs its url and size")
        size, sha256 = int(attachment.size), ""
    else:
        size, sha256 = len(data), sha256_hex(data)
        if attachment.size is not None and int(attachment.size) != size:
            raise RowError(f"{at}.size is {attachment.size}, but its data is {size} bytes")
        if attachment.hash is not None and base64.b64encode(attachment.hash).decode() != fhir_sha1(data):
            raise RowError(f"{at}.hash is not the SHA-1 of its data: the document was altered or truncated")
    if not 0 < size <= MAX_DOCUMENT_BYTES:
        raise RowError(f"{at}: a claim document of {size} bytes; expected 1 byte to 25 MB")
    return ClaimDocument(kind, name, expected, size, sha256)


def _documents(m: Message, claim: Any) -> list[ClaimDocument]:
    """The ClaimBundle's DocumentReferences; each Claim.supportingInfo reference to one must resolve."""
    ids: dict[str, Any] = {}
    out = []
    for n, resource in enumerate(m.resources):
        if resource.get_resource_type() == "DocumentReference":
            ids[str(resource.id or "")] = resource
            out.append(_document(resource, f"payload: Bundle.entry[{n}].resource: DocumentReference"))
    for n, info in enumerate(claim.supportingInfo or []):
        reference = str(info.valueReference.reference or "") if info.valueReference else ""
        category, _ = _code(info.category)
        if category != "attachment" and not reference.startswith("DocumentReference/"):
            continue  # supporting information of another kind (an Observation, a date)
        target = reference.removeprefix("urn:uuid:").removeprefix("DocumentReference/")
        if target not in ids:
            raise RowError(
                f"{m.where}.supportingInfo[{n}].valueReference: {reference!r} is not a DocumentReference "
                "in the bundle"
            )
    return out


def _mains(resources: list[Any]) -> list[Any]:
    for kind in COMMUNICATIONS:
        found = [r for r in resources if r.get_resource_type() == kind]
        if found:
            return found
    return [r for r in resources if r.get_resource_type() in MAIN]


def _enhances(m: Message, claim: Any) -> str | None:
    """The claim id a pre-authorisation enhances ('' when it is the same number), None if not an enhancement."""
    if claim.use != "preauthorization":
        return None
    for n, related in enumerate(claim.related or []):
        code, _ = _code(related.relationship)
        if code in ("", PRIOR) and related.claim is not None:
            earlier = m.claim_named([related.claim])
            if not earlier:
                raise RowError(
                    f"{m.where}.related[{n}].claim: names no claim (an identifier or a Claim/<id>)"
                )
            return earlier
    return "" if m.main_url.rstrip("/").endswith(ENHANCEMENT_ANCHOR) else None


def _claim_rows(m: Message, claim: Any) -> list[dict[str, Any]]:
    event = "preauth_requested" if claim.use == "preauthorization" else "claim_submitted"
    if claim.use not in ("preauthorization", "claim"):
        raise RowError(f"{m.where}.use is {claim.use!r}; NHCX claims are preauthorization or claim")
    earlier = _enhances(m, claim)
    qualifier = {}
    if earlier is not None:  # the request; its approval is the same event on the same correlation id
        event, qualifier = "preauth_enhanced", {"_qualifier": "requested"}
    encounters = [e for item in claim.item or [] for e in item.encounter or []]
    return [
        {
            **qualifier,
            "event_type": event,
            "claim_id": earlier or str(claim.identifier[0].value or ""),
            "event_time": _time(claim.created, f"{m.where}.created"),
            "insurer": _ref_id(claim.insurer),
            "branch_id": _ref_id(claim.facility) or _ref_id(claim.provider),
            "visit_number": _ref_id(encounters[0]) if encounters else "",
            "policy_number": m.coverage_policy(),
            "requested_paise": _paise(claim.total, f"{m.where}.total"),
            "documents": documents_json(_documents(m, claim)),
        }
    ]


def _totals(response: Any) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for n, total in enumerate(response.total or []):
        code, _ = _code(total.category)
        out[code] = _paise(total.amount, f"ClaimResponse.total[{n}].amount")
    return out


def _deductions(response: Any) -> list[Deduction]:
    lines = []
    for i, item in enumerate(response.item or []):
        for a, adj in enumerate(item.adjudication or []):
            category, _ = _code(adj.category)
            if category != "deductible" and adj.reason is None:
                continue
            code, reason = _code(adj.reason)
            amount = _paise(adj.amount, f"ClaimResponse.item[{i}].adjudication[{a}].amount")
            if not code or amount is None:
                raise RowError(
                    f"ClaimResponse.item[{i}].adjudication[{a}]: a deduction needs reason.coding.code and amount"
                )
            lines.append(Deduction(code, reason, amount))
    return lines


def _response_rows(m: Message, response: Any) -> list[dict[str, Any]]:
    preauth = response.use == "preauthorization"
    totals = _totals(response)
    lines = _deductions(response)
    submitted, benefit = totals.get("submitted"), totals.get("benefit")
    reason_code, remarks = "", str(response.disposition or "")
    if response.outcome == "queued":
        event = "query_raised"
    elif response.outcome == "error":
        event = "preauth_rejected" if preauth else "denied"
        reason_code, text = _code(response.error[0].code) if response.error else ("", "")
        remarks = remarks or text
    elif preauth:
        eligible = totals.get("eligible")  # what the case stands at; above this round's benefit: enhanced
        if eligible is not None and benefit is not None and eligible > benefit:
            event, benefit = "preauth_enhanced", eligible
        else:
            event = "preauth_approved"
    elif lines or (benefit is not None and submitted is not None and benefit < submitted):
        event = "approved_partial"
    else:
        event = "approved_full"
    deducted = sum(d.amount_paise for d in lines) if lines else None
    if deducted is None and event == "approved_partial" and submitted is not None and benefit is not None:
        deducted = submitted - benefit
    return [
        {
            "event_type": event,
            "claim_id": str(response.request.identifier.value),
            "event_time": _time(response.created, f"{m.where}.created"),
            "insurer": _ref_id(response.insurer),
            "branch_id": _ref_id(response.requestor),
            "policy_number": m.coverage_policy(),
            "requested_paise": submitted,
            "approved_paise": 0 if event in ("denied", "preauth_rejected") else benefit,
            "deducted_paise": deducted,
            "deductions": deductions_json(lines),
            "reason_code": reason_code,
            "remarks": remarks,
        }
    ]


def _notice_rows(m: Message, notice: Any) -> list[dict[str, Any]]:
    utr = str(notice.identifier[0].value or "") if notice.identifier else ""
    utr = utr or _ref_id(notice.payment)
    if not utr:
        raise RowError(f"{m.where}: neither identifier nor payment.identifier gives the UTR")
    return [
        {
            "event_type": "settled",
            "claim_id": str(notice.request.identifier.value),
            "event_time": _time(notice.created, f"{m.where}.created"),
            "paid_paise": _paise(notice.amount, f"{m.where}.amount"),
            "utr": utr,
        }
    ]


def _reconciliation_rows(m: Message, recon: Any) -> list[dict[str, Any]]:
    utr = str(recon.paymentIdentifier.value)
    paid: dict[str, int] = {}
    tds: dict[str, int] = {}
    for n, detail in enumerate(recon.detail or []):
        kind, _ = _code(detail.type)
        claim = _ref_id(detail.request)
        if not claim:
            raise RowError(f"{m.where}.detail[{n}].request: the claim's identifier is missing")
        amount = _paise(detail.amount, f"{m.where}.detail[{n}].amount") or 0
        if kind == "tds":
            tds[claim] = tds.get(claim, 0) + amount
        else:
            paid[claim] = paid.get(claim, 0) + amount
    when = _time(recon.created, f"{m.where}.created")
    return [
        {
            "event_type": "remittance_line",
            "claim_id": claim,
            "event_time": when,
            "insurer": _ref_id(recon.paymentIssuer),
            "paid_paise": amount,
            "tds_paise": tds.get(claim, 0),
            "utr": utr,
        }
        for claim, amount in paid.items()
    ]


def _texts(payload: list[Any]) -> str:
    """A communication's payload as text: its strings, and each attachment by its title."""
    parts = []
    for item in payload:
        if item.contentString:
            parts.append(str(item.contentString))
        elif item.contentAttachment is not None:
            parts.append(
                f"[attachment: {item.contentAttachment.title or item.contentAttachment.contentType}]"
            )
    return "; ".join(parts)


def _communication_rows(m: Message, comm: Any) -> list[dict[str, Any]]:
    """The payer's query (CommunicationRequest) or the provider's answer (Communication)."""
    query = comm.get_resource_type() == "CommunicationRequest"
    claim_id = m.claim_named([*(comm.about or []), *(comm.basedOn or [])])
    if not claim_id:
        raise RowError(
            f"{m.where}.about: names no claim; the query cycle is about a Claim (about or basedOn naming it "
            "by identifier, or an entry of the bundle)"
        )
    tasks = [r for r in m.others if r.get_resource_type() == "Task"]
    concepts = [
        *(comm.reasonCode or []),
        *((comm.category or []) if query else []),  # an answer's category (notification) is no reason
        *(t.reasonCode for t in tasks if t.reasonCode is not None),  # R4 Task.reasonCode is 0..1
    ]
    reason = next((code for code in (_code(c)[0] for c in concepts) if code), "")
    if query:
        when = _time(comm.authoredOn, f"{m.where}.authoredOn")
    else:
        when = _time(comm.sent, f"{m.where}.sent") if comm.sent is not None else m.message_time
    return [
        {
            "_qualifier": str(comm.identifier[0].value),
            "event_type": "query_raised" if query else "query_answered",
            "claim_id": claim_id,
            "event_time": when,
            "reason_code": reason,
            "remarks": _texts(comm.payload or []),
        }
    ]


ROWS = {
    "Claim": _claim_rows,
    "ClaimResponse": _response_rows,
    "PaymentNotice": _notice_rows,
    "PaymentReconciliation": _reconciliation_rows,
    "CommunicationRequest": _communication_rows,
    "Communication": _communication_rows,
}


def message_rows(data: object, context: LoadContext) -> list[dict[str, Any]]:
    """The claim event rows one delivered message states; raises RowError (the quarantine reason)."""
    message = Message(data)
    rows = ROWS[message.main.get_resource_type()](message, message.main)
    common = message.common(context)
    out = []
    for n, values in enumerate(rows, start=1):
        suffix = f"#{n}" if len(rows) > 1 else ""
        qualifier = values.pop("_qualifier", "")
        qualifier = f"/{qualifier}" if qualifier else ""
        message_id = f"{message.correlation_id}/{values['event_type']}{qualifier}{suffix}"
        out.append(claim_row(**common, **values, message_id=message_id))
    return out


class ClaimsNhcxReader:
    kind: Literal["python"] = "python"

    def unit(self, path: Path) -> str:
        return "lines" if path.suffix.lower() == ".ndjson" else "document"

    def records(self, path: Path, table: TableSpec, context: LoadContext) -> Iterator[Record | Frame]:
        if path.suffix.lower() == ".ndjson":
            items = [(n, start, body) for n, start, body in physical_lines(path) if body.strip()]
        else:
            body = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
            items = [(1, 0, body)]
        for line, offset, body in items:
            text = body.decode("utf-8", errors="replace")
            where = {"offset": offset, "length": len(body)}
            try:
                data = json.loads(body.decode("utf-8"))
                rows = message_rows(data, context)
            except UnicodeDecodeError:
                yield Record.bad(line, text, "not valid UTF-8 text", **where)
            except json.JSONDecodeError as exc:
                yield Record.bad(
                    line, text, f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", **where
                )
            except RowError as exc:
                yield Record.bad(line, text, str(exc), **where)
            else:
                for row in rows:
                    yield Record(line, text, values=row, **where)
