"""Messages' dead letters (issue 12): one row per dead-lettering of a message, written with the
`dead_lettered` state; `mymedic messages dlq list|replay` reads and marks them

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

REASONS = ("permanent", "exhausted")
OPEN = "replayed_at is null"


def upgrade() -> None:
    op.create_table(
        "message_dead_letters",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error_code", sa.String(length=64), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("dead_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replay_outcome", sa.String(length=32), nullable=True),
        sa.CheckConstraint("reason in " + str(REASONS), name=op.f("ck_message_dead_letters_reason")),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.message_id"], name=op.f("fk_message_dead_letters_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_dead_letters")),
    )
    op.create_index(
        op.f("ix_message_dead_letters_message_id"), "message_dead_letters", ["message_id"], unique=False
    )
    # at most one open (not replayed) dead letter per message; the list reads these
    op.create_index(
        "uq_message_dead_letters_open",
        "message_dead_letters",
        ["message_id"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    _backfill()


def _backfill() -> None:
    """The messages already dead-lettered get their row; the reason is their `message.dead_lettered`
    event's (written in the same transaction as the state, and never purged)."""
    conn = op.get_bind()
    dead = conn.execute(
        sa.text(
            "select message_id, tenant_id, channel, provider, attempts, last_error_code, last_error,"
            " dead_lettered_at, updated_at from messages where state = 'dead_lettered' order by message_id"
        )
    ).all()
    columns = (
        "message_id", "tenant_id", "channel", "provider", "attempts", "last_status_code", "last_error_code",
        "last_error", "reason", "dead_at",
    )  # fmt: skip
    table = sa.table("message_dead_letters", *(sa.column(name) for name in columns))
    rows = []
    for m in dead:
        body = conn.execute(
            sa.text(
                "select body from outbox_events where event_type = 'message.dead_lettered'"
                " and subject = :id order by seq desc limit 1"
            ),
            {"id": m.message_id},
        ).scalar()
        said = json.loads(body)["data"].get("reason", "") if body else ""
        rows.append(
            {
                "message_id": m.message_id, "tenant_id": m.tenant_id, "channel": m.channel,
                "provider": m.provider, "attempts": m.attempts, "last_status_code": None,
                "last_error_code": m.last_error_code or "", "last_error": m.last_error or "",
                "reason": "permanent" if said.startswith("permanent") else "exhausted",
                "dead_at": m.dead_lettered_at or m.updated_at,
            }
        )  # fmt: skip
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_index(
        "uq_message_dead_letters_open",
        table_name="message_dead_letters",
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    op.drop_index(op.f("ix_message_dead_letters_message_id"), table_name="message_dead_letters")
    op.drop_table("message_dead_letters")
