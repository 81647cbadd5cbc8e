"""Unpaid bookings expire (status `expired` frees the slot, order status `closed`); partner webhook
delivery keeps its attempts and a dead-letter table.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OLD_BOOKING = "status in ('pending_payment', 'confirmed', 'cancelled', 'completed', 'no_show')"
NEW_BOOKING = "status in ('pending_payment', 'confirmed', 'cancelled', 'completed', 'no_show', 'expired')"
OLD_ORDER = "status in ('created', 'paid')"
NEW_ORDER = "status in ('created', 'paid', 'closed')"
OLD_LIVE = "status <> 'cancelled'"
NEW_LIVE = "status not in ('cancelled', 'expired')"


def _live_slot_index(where: str) -> None:
    op.create_index(
        "uq_bookings_live_slot",
        "bookings",
        ["tenant_id", "doctor_id", "slot_start"],
        unique=True,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def _drop_live_slot_index(where: str) -> None:
    op.drop_index(
        "uq_bookings_live_slot",
        table_name="bookings",
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def _swap_check(table: str, name: str, condition: str) -> None:
    # batch mode: SQLite cannot alter a CHECK in place, so the table is copied (PostgreSQL alters it)
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(op.f(name), type_="check")
        batch.create_check_constraint(op.f(name), condition)


def upgrade() -> None:
    _drop_live_slot_index(OLD_LIVE)  # dropped before the copy, made again on the new condition
    _swap_check("bookings", "ck_bookings_status", NEW_BOOKING)
    _live_slot_index(NEW_LIVE)
    _swap_check("payment_orders", "ck_payment_orders_status", NEW_ORDER)
    op.create_table(
        "partner_delivery_failures",
        sa.Column("endpoint", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("endpoint", "event_id", name=op.f("pk_partner_delivery_failures")),
    )
    op.create_table(
        "partner_dead_letters",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("endpoint", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=False),
        sa.Column("dead_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_dead_letters")),
        sa.UniqueConstraint("endpoint", "event_id", name=op.f("uq_partner_dead_letters_endpoint_event_id")),
    )


def downgrade() -> None:
    op.drop_table("partner_dead_letters")
    op.drop_table("partner_delivery_failures")
    op.execute("update payment_orders set status = 'created' where status = 'closed'")
    _swap_check("payment_orders", "ck_payment_orders_status", OLD_ORDER)
    _drop_live_slot_index(NEW_LIVE)
    op.execute("update bookings set status = 'cancelled' where status = 'expired'")
    _swap_check("bookings", "ck_bookings_status", OLD_BOOKING)
    _live_slot_index(OLD_LIVE)
