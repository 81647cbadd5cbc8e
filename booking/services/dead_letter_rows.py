"""What the two dead-letter tables (partner webhooks' `partner_dead_letters`, messages'
`message_dead_letters`) share: an autoincrement `id`, a `tenant_id`, and `replayed_at` (null: not replayed
yet, so listed and replayed by default)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from booking.infra.db import Database


def open_rows(model: Any, tenant_id: str | None = None) -> Select[Any]:
    """The rows not replayed yet (of one tenant when given)."""
    query = select(model).where(model.replayed_at.is_(None))
    return query.where(model.tenant_id == tenant_id) if tenant_id else query


def replay_ids(db: Database, model: Any, dead_letter_id: int | None, order: tuple[Any, ...]) -> list[int]:
    """What a replay takes: every row not replayed yet in `order`, or the one `dead_letter_id` (even
    replayed: [] when there is no such row)."""
    query = select(model.id)
    query = (
        query.where(model.replayed_at.is_(None))
        if dead_letter_id is None
        else query.where(model.id == dead_letter_id)
    )
    with db.read() as s:
        return list(s.scalars(query.order_by(*order)))
