"""Ask Razorpay about refunds the reconciliation found overdue, and store its answers for the
`razorpay_refund_status` feed.

`GET /v1/refunds/{id}` answers the refund entity (status pending | processed | failed, and the bank's ARN /
RRN in `acquirer_data` once processed) or, for an id it does not know, an error body saying "The id
provided does not exist". Both are answers about the refund and are stored, one NDJSON line per refund, in
`<data_dir>/gateway/razorpay/refund_status/<yyyymmddThhmmssZ>.ndjson` (one file per check, written
atomically). Anything else (a wrong key pair, Razorpay down after every retry) is not an answer: that
refund is left out of the file and the check reports it as failed.

The raw table keeps a history: a repeated answer adds no row, a changed one does (see the feed's spec).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from core.atomic_files import AtomicFiles
from core.razorpay_api import NO_SUCH_ID, Refund
from core.razorpay_client import RazorpayAPIError, RazorpayClient, RazorpayError
from core.warehouse import Warehouse
from ingestion.feeds.razorpay_refund_status.answer import RefundAnswer
from ingestion.feeds.razorpay_refund_status.reader import NOT_FOUND_STATUSES
from ingestion.feeds.razorpay_refund_status.spec import SPEC

log = logging.getLogger(__name__)

REFUND_ID = re.compile(r"rfnd_[A-Za-z0-9]+")
OVERDUE = "settlement_overdue"


@dataclass
class RefundCheck:
    file: Path | None = None  # None when there was nothing to write
    answers: dict[str, str] = field(default_factory=dict)  # refund id -> status | not_found
    failures: dict[str, str] = field(default_factory=dict)  # refund id -> why no answer was had

    @property
    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for status in self.answers.values():
            counts[status] = counts.get(status, 0) + 1
        return counts


def status_folder(data_dir: Path) -> Path:
    return data_dir / SPEC.folder


def overdue_refunds(warehouse: Warehouse, tenant_id: str) -> list[str]:
    """Refunds of the tenant the reconciliation mart says are overdue (beyond their SLA, in no settlement)."""
    if not warehouse.table_exists("marts", "fct_payment_reconciliation"):
        return []
    rows = warehouse.rows(
        f"select entity_id from `{warehouse.db('marts')}`.fct_payment_reconciliation "
        "where tenant_id = {tenant:String} and entity_type = 'refund' and status = {status:String} "
        "order by entity_id",
        {"tenant": tenant_id, "status": OVERDUE},
    )
    return [r[0] for r in rows]


def _is_no_such_id(error: RazorpayAPIError) -> bool:
    return error.status in NOT_FOUND_STATUSES and NO_SUCH_ID.lower() in error.description.lower()


def check_refunds(
    client: RazorpayClient,
    data_dir: Path,
    refund_ids: Iterable[str],
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> RefundCheck:
    """Ask about each refund; write every answer into one new file; report what could not be asked."""
    result = RefundCheck()
    lines: list[str] = []
    started = clock().astimezone(UTC)
    for refund_id in dict.fromkeys(refund_ids):
        if not REFUND_ID.fullmatch(refund_id):
            result.failures[refund_id] = "not a Razorpay refund id (rfnd_…)"
            continue
        path = f"/v1/refunds/{refund_id}"
        try:
            body = client.get(path)
            status = 200
            answer = Refund.model_validate_json(body).status.lower()
        except RazorpayAPIError as error:
            if not _is_no_such_id(error):
                result.failures[refund_id] = str(error)
                continue
            body, status, answer = error.body, error.status, "not_found"
        except (RazorpayError, ValueError) as error:  # ValueError: a 200 that is no refund entity
            result.failures[refund_id] = " ".join(str(error).split())[:300]
            continue
        line = RefundAnswer(
            refund_id=refund_id,
            checked_at=clock().astimezone(UTC),
            request=f"GET {path}",
            http_status=status,
            body=json.loads(body),
        )
        lines.append(line.line())
        result.answers[refund_id] = answer
    for refund_id, why in result.failures.items():
        log.warning("refund %s: no answer from Razorpay: %s", refund_id, why)
    if lines:
        result.file = status_folder(data_dir) / f"{started.strftime('%Y%m%dT%H%M%SZ')}.ndjson"
        if result.file.exists():  # two checks in one second: keep both
            result.file = result.file.with_name(f"{started.strftime('%Y%m%dT%H%M%S.%fZ')}.ndjson")
        with AtomicFiles() as files:
            files.temp_for(result.file, note="answers").write_text("".join(lines), encoding="utf-8")
    return result
