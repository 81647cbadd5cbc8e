"""`Idempotency-Key` for POSTs: the first successful response is stored with the change, in the same
transaction; the same key with the same request replays it, with a different request is refused (422).

Keys are scoped to the tenant. Failed attempts (4xx) are not stored: they changed nothing, so a retry with the
same key runs again. Two concurrent requests with one key: the loser finds the winner's stored response.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking.domain.errors import DomainError, Unprocessable
from booking.infra.db import Database
from booking.infra.models import IdempotencyKey


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


def fingerprint(method: str, path: str, body: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except (UnicodeDecodeError, json.JSONDecodeError):
        canonical = body
    return hashlib.sha256(f"{method} {path}\n".encode() + canonical).hexdigest()


def _replay(existing: IdempotencyKey, fp: str) -> Outcome:
    if existing.fingerprint != fp:
        raise Unprocessable(
            "this Idempotency-Key was already used with a different request; use a new key for a new request",
            field="Idempotency-Key",
        )
    return Outcome(existing.status_code, json.loads(existing.response_body), replayed=True)


def run(
    db: Database,
    *,
    tenant_id: str,
    key: str,
    fp: str,
    now: datetime,
    operation: Callable[[Session], tuple[int, dict[str, Any]]],
) -> Outcome:
    try:
        with db.write() as s:
            existing = s.get(IdempotencyKey, (tenant_id, key))
            if existing is not None:
                return _replay(existing, fp)
            status_code, body = operation(s)
            s.add(
                IdempotencyKey(
                    tenant_id=tenant_id,
                    key=key,
                    fingerprint=fp,
                    status_code=status_code,
                    response_body=json.dumps(body, separators=(",", ":")),
                    created_at=now,
                )
            )
            s.flush()
            return Outcome(status_code, body)
    except (IntegrityError, DomainError):
        # A concurrent request with the same key may have won (its change then also conflicts with ours).
        with db.read() as s:
            existing = s.get(IdempotencyKey, (tenant_id, key))
            if existing is not None:
                return _replay(existing, fp)
        raise
