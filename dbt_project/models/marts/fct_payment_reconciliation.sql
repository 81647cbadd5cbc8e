{{
    config(
        engine='MergeTree()',
        order_by='(tenant_id, branch_id, entity_type, entity_id, settlement_id)',
    )
}}

{#- The payments reconciliation: one row per captured payment, per refund, and per Razorpay settlement
    line that matches no payment or refund of the booking system (docs/reconciliation.md). -#}
with

payments as (
    select * from {{ ref('int_payments__reconciled') }}
),

refunds as (
    select * from {{ ref('int_refunds__reconciled') }}
),

orphan_lines as (
    select * from {{ ref('int_gateway_lines__orphaned') }}
),

payment_rows as (
    select
        'payment' as entity_type,
        payment_id as entity_id,
        amount_paise as booked_amount_paise,
        expected_fee_paise,
        expected_tax_paise,
        captured_at as event_at,
        captured_date as event_date,
        settlement_due_date,
        null as refund_deadline_date,
        {{ reconciliation_row_columns() }}
    from payments
),

refund_rows as (
    select
        'refund' as entity_type,
        refund_id as entity_id,
        amount_paise as booked_amount_paise,
        expected_fee_paise,
        expected_tax_paise,
        initiated_at as event_at,
        initiated_date as event_date,
        null as settlement_due_date,
        refund_deadline_date,
        {{ reconciliation_row_columns() }}
    from refunds
),

orphan_rows as (
    select
        'gateway_line' as entity_type,
        entity_id,
        toInt64(0) as booked_amount_paise,
        null as expected_fee_paise,
        null as expected_tax_paise,
        created_at as event_at,
        created_date as event_date,
        null as settlement_due_date,
        null as refund_deadline_date,
        {{ reconciliation_row_columns() }}
    from orphan_lines
),

unioned as (
    select * from payment_rows
    union all
    select * from refund_rows
    union all
    select * from orphan_rows
),

final as (
    select
        cast(tenant_id as String) as tenant_id,
        cast(branch_id as String) as branch_id,
        cast(entity_type as String) as entity_type,
        cast(entity_id as String) as entity_id,
        cast(booking_id as String) as booking_id,
        cast(payment_id as String) as payment_id,
        cast(order_id as String) as order_id,
        cast(method as String) as method,
        cast(booked_amount_paise as Int64) as booked_amount_paise,
        cast(gateway_amount_paise as Nullable(Int64)) as gateway_amount_paise,
        cast(gateway_fee_incl_tax_paise as Nullable(Int64)) as gateway_fee_incl_tax_paise,
        cast(fee_paise as Nullable(Int64)) as fee_paise,
        cast(tax_paise as Nullable(Int64)) as tax_paise,
        cast(expected_fee_paise as Nullable(Int64)) as expected_fee_paise,
        cast(expected_tax_paise as Nullable(Int64)) as expected_tax_paise,
        cast(net_settled_paise as Nullable(Int64)) as net_settled_paise,
        cast(coalesce(settlement_id, '') as String) as settlement_id,
        cast(coalesce(settlement_utr, '') as String) as settlement_utr,
        cast(settled_at as Nullable(DateTime('UTC'))) as settled_at,
        cast(bank_credit_date as Nullable(Date)) as bank_credit_date,
        cast(status as String) as status,
        cast(age_days as Int64) as age_days,
        cast(aging_bucket as String) as aging_bucket,
        cast(exception_reason as String) as exception_reason,
        cast(event_at as DateTime64(3, 'UTC')) as event_at,
        cast(event_date as Date) as event_date,
        cast(settlement_due_date as Nullable(Date)) as settlement_due_date,
        cast(refund_deadline_date as Nullable(Date)) as refund_deadline_date,
        cast(as_of_date as Date) as as_of_date
    from unioned
    order by tenant_id, branch_id, entity_type, entity_id, settlement_id
)

select * from final
