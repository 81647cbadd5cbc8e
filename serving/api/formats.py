"""JSON or CSV, as the `Accept` header asks (werkzeug parses it, quality values included); no `Accept`, or
`*/*`, is JSON; anything else is a 406 that says what to send. CSV is the JSON's rows, one line each, in
the same columns and the same text (NULL empty, booleans `true`/`false`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from starlette.responses import Response
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from booking.domain.errors import DomainError

JSON = "application/json"
CSV = "text/csv"
OFFERED = (JSON, CSV)


class NotAcceptable(DomainError):
    status_code = 406


def negotiate(accept: str | None) -> str:
    if accept is None or not accept.strip():
        return JSON
    best = parse_accept_header(accept, MIMEAccept).best_match(OFFERED)
    if best is None:
        raise NotAcceptable(f"this API answers {JSON} or {CSV}: send one of them in the Accept header")
    return best


def _cell(value: Any) -> str:
    """A JSON value as CSV text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_response(model: type[BaseModel], rows: Sequence[BaseModel], headers: dict[str, str]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = list(model.model_fields)
    writer.writerow(columns)
    for row in rows:
        values = row.model_dump(mode="json")
        writer.writerow([_cell(values[c]) for c in columns])
    return Response(out.getvalue(), media_type=f"{CSV}; charset=utf-8", headers=headers)
