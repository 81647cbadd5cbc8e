"""Initial schema of the booking service

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(
        op.f("ix_audit_events_tenant_id_entity_type_entity_id"),
        "audit_events",
        ["tenant_id", "entity_type", "entity_id"],
        unique=False,
    )

    op.create_table(
        "idempotency_keys",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "outbox_events",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("branch_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("export_batch", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_events_event_id")),
    )
    op.create_index(op.f("ix_outbox_events_export_batch"), "outbox_events", ["export_batch"], unique=False)
    op.create_index(
        "ix_outbox_events_pending",
        "outbox_events",
        ["tenant_id", "seq"],
        unique=False,
        sqlite_where=sa.text("exported_at is null"),
        postgresql_where=sa.text("exported_at is null"),
    )

    op.create_table(
        "partner_deliveries",
        sa.Column("endpoint", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("endpoint", "event_id", name=op.f("pk_partner_deliveries")),
    )
    op.create_table(
        "tenants",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_tenants")),
    )
    op.create_table(
        "webhook_receipts",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "event_id", name=op.f("pk_webhook_receipts")),
    )
    op.create_table(
        "branches",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("branch_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"], name=op.f("fk_branches_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "branch_id", name=op.f("pk_branches")),
    )
    op.create_table(
        "patients",
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"], name=op.f("fk_patients_tenants")),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_patients")),
        sa.UniqueConstraint("tenant_id", "phone", name=op.f("uq_patients_tenant_id_phone")),
    )
    op.create_table(
        "doctors",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("doctor_id", sa.String(length=64), nullable=False),
        sa.Column("branch_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("specialty", sa.String(length=100), nullable=False),
        sa.Column("consultation_fee_paise", sa.BigInteger(), nullable=False),
        sa.Column("tele_fee_paise", sa.BigInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("consultation_fee_paise > 0", name=op.f("ck_doctors_fee_positive")),
        sa.CheckConstraint(
            "tele_fee_paise is null or tele_fee_paise > 0", name=op.f("ck_doctors_tele_fee_positive")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "branch_id"],
            ["branches.tenant_id", "branches.branch_id"],
            name=op.f("fk_doctors_branches"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "doctor_id", name=op.f("pk_doctors")),
    )
    op.create_index(
        op.f("ix_doctors_tenant_id_branch_id"), "doctors", ["tenant_id", "branch_id"], unique=False
    )

    op.create_table(
        "bookings",
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("branch_id", sa.String(length=64), nullable=False),
        sa.Column("doctor_id", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("visit_type", sa.String(length=16), nullable=False),
        sa.Column("slot_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("fee_paise", sa.BigInteger(), nullable=False),
        sa.Column("deposit_paise", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("cancel_reason", sa.String(length=40), nullable=True),
        sa.Column("reschedule_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status in ('pending_payment', 'confirmed', 'cancelled', 'completed', 'no_show')",
            name=op.f("ck_bookings_status"),
        ),
        sa.CheckConstraint("visit_type in ('in_person', 'tele')", name=op.f("ck_bookings_visit_type")),
        sa.CheckConstraint(
            "fee_paise > 0 and deposit_paise >= 0 and deposit_paise <= fee_paise",
            name=op.f("ck_bookings_money"),
        ),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.patient_id"], name=op.f("fk_bookings_patients")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "doctor_id"],
            ["doctors.tenant_id", "doctors.doctor_id"],
            name=op.f("fk_bookings_doctors"),
        ),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_bookings")),
    )
    op.create_index(
        op.f("ix_bookings_tenant_id_patient_id"), "bookings", ["tenant_id", "patient_id"], unique=False
    )
    op.create_index(
        "uq_bookings_live_slot",
        "bookings",
        ["tenant_id", "doctor_id", "slot_start"],
        unique=True,
        sqlite_where=sa.text("status <> 'cancelled'"),
        postgresql_where=sa.text("status <> 'cancelled'"),
    )

    op.create_table(
        "doctor_schedules",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("doctor_id", sa.String(length=64), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("visit_types", sa.String(length=40), nullable=False),
        sa.CheckConstraint("slot_minutes between 5 and 240", name=op.f("ck_doctor_schedules_slot_minutes")),
        sa.CheckConstraint(
            "start_minute >= 0 and end_minute <= 1440 and start_minute < end_minute",
            name=op.f("ck_doctor_schedules_hours"),
        ),
        sa.CheckConstraint("weekday between 0 and 6", name=op.f("ck_doctor_schedules_weekday")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "doctor_id"],
            ["doctors.tenant_id", "doctors.doctor_id"],
            name=op.f("fk_doctor_schedules_doctors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_doctor_schedules")),
    )
    op.create_index(
        op.f("ix_doctor_schedules_tenant_id_doctor_id_weekday"),
        "doctor_schedules",
        ["tenant_id", "doctor_id", "weekday"],
        unique=False,
    )

    op.create_table(
        "payment_orders",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paid_by_payment_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("purpose in ('deposit', 'balance')", name=op.f("ck_payment_orders_purpose")),
        sa.CheckConstraint("status in ('created', 'paid')", name=op.f("ck_payment_orders_status")),
        sa.CheckConstraint("amount_paise > 0", name=op.f("ck_payment_orders_amount_positive")),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.booking_id"], name=op.f("fk_payment_orders_bookings")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_payment_orders")),
    )
    op.create_index(op.f("ix_payment_orders_booking_id"), "payment_orders", ["booking_id"], unique=False)

    op.create_table(
        "tele_rooms",
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("room_name", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status in ('created', 'started', 'completed', 'failed')", name=op.f("ck_tele_rooms_status")
        ),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.booking_id"], name=op.f("fk_tele_rooms_bookings")),
        sa.PrimaryKeyConstraint("room_id", name=op.f("pk_tele_rooms")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_tele_rooms_booking_id")),
    )
    op.create_table(
        "payments",
        sa.Column("payment_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("authorized_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status in ('created', 'authorized', 'failed', 'captured', 'refunded')",
            name=op.f("ck_payments_status"),
        ),
        sa.CheckConstraint("amount_paise > 0", name=op.f("ck_payments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["payment_orders.order_id"], name=op.f("fk_payments_payment_orders")
        ),
        sa.PrimaryKeyConstraint("payment_id", name=op.f("pk_payments")),
    )
    op.create_index(op.f("ix_payments_booking_id"), "payments", ["booking_id"], unique=False)
    op.create_index(op.f("ix_payments_order_id"), "payments", ["order_id"], unique=False)

    op.create_table(
        "refunds",
        sa.Column("refund_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("payment_id", sa.String(length=64), nullable=False),
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("initiated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status in ('initiated', 'processed', 'failed')", name=op.f("ck_refunds_status")),
        sa.CheckConstraint("amount_paise > 0", name=op.f("ck_refunds_amount_positive")),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.payment_id"], name=op.f("fk_refunds_payments")),
        sa.PrimaryKeyConstraint("refund_id", name=op.f("pk_refunds")),
    )
    op.create_index(op.f("ix_refunds_payment_id"), "refunds", ["payment_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_refunds_payment_id"), table_name="refunds")

    op.drop_table("refunds")
    op.drop_index(op.f("ix_payments_order_id"), table_name="payments")
    op.drop_index(op.f("ix_payments_booking_id"), table_name="payments")

    op.drop_table("payments")
    op.drop_table("tele_rooms")
    op.drop_index(op.f("ix_payment_orders_booking_id"), table_name="payment_orders")

    op.drop_table("payment_orders")
    op.drop_index(op.f("ix_doctor_schedules_tenant_id_doctor_id_weekday"), table_name="doctor_schedules")

    op.drop_table("doctor_schedules")
    op.drop_index(
        "uq_bookings_live_slot",
        table_name="bookings",
        sqlite_where=sa.text("status <> 'cancelled'"),
        postgresql_where=sa.text("status <> 'cancelled'"),
    )
    op.drop_index(op.f("ix_bookings_tenant_id_patient_id"), table_name="bookings")

    op.drop_table("bookings")
    op.drop_index(op.f("ix_doctors_tenant_id_branch_id"), table_name="doctors")

    op.drop_table("doctors")
    op.drop_table("patients")
    op.drop_table("branches")
    op.drop_table("webhook_receipts")
    op.drop_table("tenants")
    op.drop_table("partner_deliveries")
    op.drop_index(
        "ix_outbox_events_pending",
        table_name="outbox_events",
        sqlite_where=sa.text("exported_at is null"),
        postgresql_where=sa.text("exported_at is null"),
    )
    op.drop_index(op.f("ix_outbox_events_export_batch"), table_name="outbox_events")

    op.drop_table("outbox_events")
    op.drop_table("idempotency_keys")
    op.drop_index(op.f("ix_audit_events_tenant_id_entity_type_entity_id"), table_name="audit_events")

    op.drop_table("audit_events")
