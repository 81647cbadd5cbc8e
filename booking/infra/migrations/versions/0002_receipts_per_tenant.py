"""Webhook receipts are keyed per tenant: (tenant_id, source, event_id)

An event id is only unique within one sender's account, so one tenant's event (even an ignored one) must
not use up the id for another tenant.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_receipts") as batch:
        batch.drop_constraint("pk_webhook_receipts", type_="primary")
        batch.create_primary_key("pk_webhook_receipts", ["tenant_id", "source", "event_id"])


def downgrade() -> None:
    # several tenants may now hold one (source, event_id): keep the earliest receipt of each
    op.execute(
        "delete from webhook_receipts where exists (select 1 from webhook_receipts as earlier"
        " where earlier.source = webhook_receipts.source and earlier.event_id = webhook_receipts.event_id"
        " and (earlier.received_at < webhook_receipts.received_at or (earlier.received_at ="
        " webhook_receipts.received_at and earlier.tenant_id < webhook_receipts.tenant_id)))"
    )
    with op.batch_alter_table("webhook_receipts") as batch:
        batch.drop_constraint("pk_webhook_receipts", type_="primary")
        batch.create_primary_key("pk_webhook_receipts", ["source", "event_id"])
