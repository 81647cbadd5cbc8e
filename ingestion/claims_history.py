"""A claim's stored events, read from the warehouse's raw claim tables (every claims feed's, committed loads
only, as dbt's staging reads them), for the fold in ingestion/claims_state.py."""

from __future__ import annotations

from datetime import UTC

from core.warehouse import Warehouse
from ingestion.claim_event import CLAIM_EVENT_COLUMNS
from ingestion.claims_state import ClaimEvent
from ingestion.feeds import FEEDS

# the claims feeds' event tables (the document manifest's table is the source's too, but holds no events)
CLAIM_TABLES: tuple[str, ...] = tuple(
    t.name for f in FEEDS if f.spec.source == "claims" for t in f.tables if t.columns == CLAIM_EVENT_COLUMNS
)
_FIELDS = (
    "event_time", "event_type", "source", "message_id", "requested_paise", "approved_paise",
    "deducted_paise", "paid_paise", "tds_paise", "reason_code", "utr", "insurer", "tpa",
)  # fmt: skip


class UnknownClaim(LookupError):
    pass


def claim_events(w: Warehouse, claim_id: str, tenant_id: str = "") -> tuple[str, list[ClaimEvent]]:
    """(the claim's tenant, its events in no particular order); raises UnknownClaim when no tenant (or the
    given one) has the claim, or when several do and none was given."""
    raw = w.db("raw")
    missing = [t for t in CLAIM_TABLES if not w.scalar(f"exists table `{raw}`.`{t}`")]
    if missing:
        raise UnknownClaim(
            f"the warehouse has no claim events ({raw}.{missing[0]} is missing); load the claims feeds first"
        )
    names = ", ".join(_FIELDS)
    union = " union all ".join(
        f"select tenant_id, {names} from `{raw}`.`{table}` where claim_id = {{claim:String}} "
        f"and _batch_id in (select _batch_id from `{raw}`.load_ledger)"
        for table in CLAIM_TABLES
    )
    rows = w.rows(
        f"select * from ({union}) where {{tenant:String}} = '' or tenant_id = {{tenant:String}}",
        {"claim": claim_id, "tenant": tenant_id},
    )
    tenants = sorted({r[0] for r in rows})
    if not tenants:
        scope = f" for tenant {tenant_id}" if tenant_id else ""
        raise UnknownClaim(f"no claim {claim_id!r}{scope} in the warehouse's claim events")
    if len(tenants) > 1:
        raise UnknownClaim(f"claim {claim_id!r} is in several tenants ({', '.join(tenants)}); give --tenant")
    events = [
        ClaimEvent(
            r[1].replace(tzinfo=UTC) if r[1].tzinfo is None else r[1], *r[2:]
        )  # naive UTC from ClickHouse
        for r in rows
    ]
    return tenants[0], events
