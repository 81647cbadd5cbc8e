"""MSG91 SMS delivery reports (its DLR webhook), reduced to message statuses.

Version 2 (`application/x-www-form-urlencoded`): `data=<JSON text>`, a list of
`{"requestId", "senderId", "report": [{"date": "2024-05-22 10:06:20", "number": "9195…", "status": "1",
"desc": "DELIVERED", "failedReason": ""}], "userId", "campaignName"}`; version 3 (JSON): one such report
flat, `{"date", "number", "requestId", "status", "desc", "senderId", …}` (or a list of them). `date` is IST.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from booking.domain.clock import IST
from booking.domain.message_status import MSG91_STATUS_CODES, MessageStatus
from booking.domain.recipients import mask_emails_in, mask_phone
from booking.integrations.message_statuses import Parsed, PayloadError, receipt_id, utc_text


def _reports(body: bytes, content_type: str) -> list[dict[str, Any]]:
    text = body.decode("utf-8", errors="strict")
    if "application/x-www-form-urlencoded" in content_type:
        data = parse_qs(text).get("data")
        if not data:
            raise PayloadError("an MSG91 v2 delivery report posts a form field 'data'; it is missing")
        text = data[0]
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PayloadError(f"not JSON: {exc.msg} at column {exc.colno}") from None
    items = doc if isinstance(doc, list) else [doc]
    reports = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise PayloadError(f"[{n}] is not an object")
        if "report" in item:  # v2: a request and its reports
            for report in item["report"] or []:
                reports.append(
                    {**report, "requestId": item.get("requestId"), "senderId": item.get("senderId")}
                )
        else:  # v3: one report, flat
            reports.append(item)
    return reports


def parse(body: bytes, content_type: str) -> Parsed:
    try:
        reports = _reports(body, content_type)
    except UnicodeDecodeError:
        raise PayloadError("the body is not UTF-8 text") from None
    parsed = Parsed()
    for n, r in enumerate(reports):
        request_id, number = str(r.get("requestId") or ""), str(r.get("number") or "")
        code, desc = str(r.get("status") or "").strip(), str(r.get("desc") or "").strip().upper()
        if not request_id or not number:
            raise PayloadError(f"report {n}: requestId and number are required")
        try:
            when = datetime.strptime(str(r.get("date") or ""), "%Y-%m-%d %H:%M:%S").replace(tzinfo=IST)
        except ValueError:
            raise PayloadError(f"report {n}: date {r.get('date')!r} is not YYYY-MM-DD HH:MM:SS") from None
        status = MSG91_STATUS_CODES.get(code)
        if status is None:
            parsed.ignored.append(code or desc)
            continue
        reason = str(r.get("failedReason") or "").strip() or desc
        failed = status == "failed"
        message = MessageStatus(
            provider="msg91",
            provider_message_id=request_id[:200],
            status=status,  # type: ignore[arg-type]
            provider_status=desc or code,
            status_time=utc_text(when),
            recipient_masked=mask_phone(number),
            error_code=code if failed else None,
            error_title=mask_emails_in(reason)[:200] or None if failed else None,
        )
        parsed.statuses.append(
            (receipt_id("msg91", request_id, number, desc or code, message.status_time), message)
        )
    return parsed
