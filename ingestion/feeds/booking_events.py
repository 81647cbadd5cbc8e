"""Booking-service events: CloudEvents 1.0 in structured JSON mode, one per line (NDJSON).

The envelope and the `data` of each known type are validated with pydantic; a line that fails gets a
quarantine row naming the field and the problem.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from ingestion.feeds.base import Feed, LoadContext
from ingestion.records import Record
from ingestion.tables import BOOKING_EVENTS

NonEmpty = Annotated[str, Field(min_length=1)]
Paise = Annotated[int, Field(strict=True, gt=0)]


class CloudEvent(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"]
    id: NonEmpty
    source: NonEmpty
    type: NonEmpty
    time: AwareDatetime
    subject: NonEmpty
    datacontenttype: str = "application/json"
    tenantid: NonEmpty
    branchid: NonEmpty
    data: dict[str, Any]


class _Data(BaseModel):
    model_config = ConfigDict(extra="allow")


class AppointmentData(_Data):
    booking_id: NonEmpty


class PaymentInitiatedData(_Data):
    order_id: NonEmpty
    booking_id: NonEmpty
    amount_paise: Paise
    currency: Literal["INR"]


class CapturedPaymentData(_Data):
    payment_id: Annotated[str, Field(pattern=r"^pay_\w+$")]
    order_id: NonEmpty
    booking_id: NonEmpty
    patient_id: NonEmpty
    branch_id: NonEmpty
    amount_paise: Paise
    currency: Literal["INR"]
    method: Literal["upi", "card", "wallet", "netbanking"]
    gateway: Literal["razorpay"]
    captured_at: AwareDatetime


class RefundData(_Data):
    refund_id: Annotated[str, Field(pattern=r"^rfnd_\w+$")]
    payment_id: NonEmpty
    amount_paise: Paise


DATA_MODELS: dict[str, type[_Data]] = {
    "appointment.booked": AppointmentData,
    "appointment.cancelled": AppointmentData,
    "appointment.rescheduled": AppointmentData,
    "appointment.completed": AppointmentData,
    "appointment.no_show": AppointmentData,
    "payment.initiated": PaymentInitiatedData,
    "payment.deposit.paid": CapturedPaymentData,
    "payment.balance.paid": CapturedPaymentData,
    "payment.refund.initiated": RefundData,
    "payment.refund.issued": RefundData,
}


def explain(error: ValidationError, prefix: str = "") -> str:
    """A pydantic error as one line a person can act on: which field, what is wrong."""
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(x) for x in item["loc"]) or "event"
        parts.append(f"{prefix}{where}: {item['msg']}")
    more = error.error_count() - 5
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def parse_event(line: str) -> dict[str, Any]:
    """One NDJSON line -> the raw table's values. Raises ValueError with the quarantine reason."""
    try:
        event = CloudEvent.model_validate_json(line)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise ValueError("line is not valid JSON (truncated or malformed)") from None
        raise ValueError(f"not a valid CloudEvent: {explain(exc)}") from None
    model = DATA_MODELS.get(event.type)
    if model is None:
        raise ValueError(f"unknown event type {event.type!r}; expected one of {', '.join(DATA_MODELS)}")
    try:
        model.model_validate(event.data)
    except ValidationError as exc:
        raise ValueError(f"{event.type} event {event.id}: {explain(exc, 'data.')}") from None
    return {
        "event_id": event.id,
        "specversion": event.specversion,
        "event_type": event.type,
        "source": event.source,
        "subject": event.subject,
        "event_time": event.time.astimezone(UTC),
        "datacontenttype": event.datacontenttype,
        "tenant_id": event.tenantid,
        "branch_id": event.branchid,
        "data": json.dumps(event.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
    }


class BookingEventsFeed(Feed):
    name = "booking_events"
    table = BOOKING_EVENTS
    folder = "events"
    patterns = ("*.ndjson", "*.jsonl")

    def read(self, path: Path, context: LoadContext) -> Iterator[Record]:
        with path.open("rb") as fh:
            for number, raw_bytes in enumerate(fh, start=1):
                if number == 1 and raw_bytes.startswith(b"\xef\xbb\xbf"):
                    raw_bytes = raw_bytes[3:]
                try:
                    line = raw_bytes.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError:
                    yield Record.bad(number, raw_bytes.decode("utf-8", "replace"), "line is not valid UTF-8")
                    continue
                if not line.strip():
                    continue
                try:
                    values = parse_event(line)
                except ValueError as exc:
                    yield Record.bad(number, line, str(exc))
                    continue
                if values["tenant_id"] != context.tenant_id:
                    yield Record.bad(
                        number,
                        line,
                        f"event belongs to tenant {values['tenant_id']!r}, but this data directory is "
                        f"{context.tenant_id!r}'s",
                    )
                    continue
                yield Record(number, line, values=values)
