"""ADT events a tenant's HIS pushes to POST /v1/adt/events, stored before the 202 (issue 11)

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "adt_inbound_events",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("export_batch", sa.String(length=64), nullable=True),
        sa.CheckConstraint("kind in ('fhir', 'adt_event')", name=op.f("ck_adt_inbound_events_kind")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_adt_inbound_events")),
        sa.UniqueConstraint(
            "tenant_id",
            "sender",
            "message_id",
            name=op.f("uq_adt_inbound_events_tenant_id_sender_message_id"),
        ),
    )
    op.create_index(
        "ix_adt_inbound_events_pending",
        "adt_inbound_events",
        ["tenant_id", "seq"],
        unique=False,
        sqlite_where=sa.text("exported_at is null"),
        postgresql_where=sa.text("exported_at is null"),
    )


def downgrade() -> None:
    op.drop_index("ix_adt_inbound_events_pending", table_name="adt_inbound_events")
    op.drop_table("adt_inbound_events")
