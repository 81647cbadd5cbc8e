"""Keyset pagination: a page ends with a cursor (the last row's sort key, opaque to callers) and a link to the
next page, which is this request's URL with that cursor."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.datastructures import URL

from booking.domain.errors import BadRequest

CURSOR_HELP = "cursor is not one this API gave out; drop it to start again from the first page"


def encode_cursor(key: tuple[Any, ...]) -> str:
    values = [v.isoformat() if isinstance(v, date) else v for v in key]
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, order: tuple[tuple[str, type], ...]) -> tuple[Any, ...]:
    """The sort key a cursor holds, typed as `order` says; a cursor not made by `encode_cursor` is a 400."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(order):
            raise ValueError
        typed: list[Any] = []
        for value, (_, kind) in zip(values, order, strict=True):
            if not isinstance(value, str):
                raise ValueError
            typed.append(date.fromisoformat(value) if kind is date else value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest(CURSOR_HELP, field="cursor") from None
    return tuple(typed)


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    next: str | None  # path and query of the next page


def page(rows: list[dict[str, Any]], limit: int, url: URL, order: tuple[tuple[str, type], ...]) -> Page:
    """The first `limit` of `rows` (fetched `limit + 1` long) and, when more follow, the next page's link."""
    if len(rows) <= limit:
        return Page(rows, None)
    kept = rows[:limit]
    cursor = encode_cursor(tuple(kept[-1][name] for name, _ in order))
    following = url.include_query_params(cursor=cursor)
    return Page(kept, f"{following.path}?{following.query}")
