"""Reads a refund status file (NDJSON, a line per refund asked about) in Python: a small feed.

A 200 answer must be Razorpay's refund entity (its status, amount, ARN / RRN); a 400 or 404 answer must be
Razorpay's error body saying the id does not exist (the refund is unknown to the gateway). Any other line
is quarantined with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from core.razorpay_api import ErrorBody, Refund
from ingestion.feeds.base import LoadContext
from ingestion.feeds.razorpay_refund_status.answer import RefundAnswer
from ingestion.parsers import show
from ingestion.records import Record, RowError
from ingestion.spec import TableSpec

NOT_FOUND_STATUSES = (400, 404)


def _first_problem(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "the line"
    return f"{where}: {first['msg']}"


def _epoch(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def parse_answer(text: str, tenant_id: str) -> dict[str, Any]:
    try:
        answer = RefundAnswer.model_validate_json(text)
    except ValidationError as error:
        raise RowError(f"not a refund status line ({_first_problem(error)})") from None
    values: dict[str, Any] = {
        "tenant_id": tenant_id,
        "refund_id": answer.refund_id,
        "checked_at": answer.checked_at.astimezone(UTC),
        "http_status": answer.http_status,
        "answer": "found",
        "refund_status": "",
        "payment_id": "",
        "amount": 0,
        "currency": "",
        "arn": "",
        "rrn": "",
        "acquirer_data": "",
        "refund_created_at": None,
        "processed_at": None,
        "speed_processed": "",
        "error_code": "",
        "error_description": "",
    }
    if answer.http_status == 200:
        try:
            refund = Refund.model_validate(answer.body)
        except ValidationError as error:
            raise RowError(f"a 200 answer that is not a Razorpay refund ({_first_problem(error)})") from None
        if refund.id != answer.refund_id:
            raise RowError(f"asked about {answer.refund_id} but Razorpay answered about {show(refund.id)}")
        return values | {
            "refund_status": refund.status.lower(),
            "payment_id": refund.payment_id,
            "amount": refund.amount,
            "currency": refund.currency.upper(),
            "arn": refund.acquirer_ref("arn"),
            "rrn": refund.acquirer_ref("rrn"),
            "acquirer_data": json.dumps(refund.acquirer_data, sort_keys=True, separators=(",", ":")),
            "refund_created_at": _epoch(refund.created_at),
            "processed_at": refund.processed_time,
            "speed_processed": refund.speed_processed or "",
        }
    if answer.http_status in NOT_FOUND_STATUSES:
        try:
            error = ErrorBody.model_validate(answer.body).error
        except ValidationError as problem:
            raise RowError(
                f"a {answer.http_status} answer without Razorpay's error body ({_first_problem(problem)})"
            ) from None
        if "does not exist" not in error.description.lower():
            raise RowError(
                f"a {answer.http_status} answer that is not 'the id does not exist': {show(error.description, 120)}"
            )
        return values | {
            "answer": "not_found",
            "error_code": error.code,
            "error_description": error.description,
        }
    raise RowError(
        f"HTTP status {answer.http_status} is not an answer about the refund (expected 200, 400 or 404)"
    )


class RazorpayRefundStatusReader:
    kind = "python"

    def records(self, path: Path, table: TableSpec, context: LoadContext) -> Iterator[Record]:
        offset = 0
        with path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                length = len(raw)
                text = raw.decode("utf-8", "replace").strip().lstrip("\ufeff")
                if text:
                    try:
                        values = parse_answer(text, context.tenant_id)
                    except RowError as error:
                        yield Record.bad(number, text, str(error), offset, length)
                    else:
                        yield Record(number, text, values, offset=offset, length=length)
                offset += length
