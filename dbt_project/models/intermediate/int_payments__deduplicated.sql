{#- Incremental (delete+insert on tenant_id, payment_id): several downstream models read it, and a daily
    load must not recompute a million payments. A payment's row depends on its own capture events and on
    the other payments of its order, so an incremental run recomputes every payment of each order that
    new capture events touch (the orders they name and the orders their payments had before). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        unique_key=['tenant_id', 'payment_id'],
        engine='MergeTree()',
        order_by='(tenant_id, payment_id)',
    )
}}

{#- One row per captured payment. A payment whose order was already paid by an earlier capture
    (order by captured_at, then payment_id) is flagged as a duplicate of that first payment. A capture
    whose amount or currency is not its order's paid nothing, so it neither is a duplicate nor makes the
    order's later right capture one. -#}
with

captures as (
    select * from {{ ref('stg_booking__payments') }}
),

{% if is_incremental() %}

new_captures as (
    select
        tenant_id,
        payment_id,
        order_id
    from captures
    where batch_id in ({{ new_batch_ids() }})
),

affected_orders as (
    select
        tenant_id,
        order_id
    from new_captures
    union distinct
    select
        done.tenant_id as tenant_id,
        done.order_id as order_id
    from {{ this }} as done
    left semi join new_captures
        on
            done.tenant_id = new_captures.tenant_id
            and done.payment_id = new_captures.payment_id
),

affected_payments as (
    select distinct
        captures.tenant_id as tenant_id,
        captures.payment_id as payment_id
    from captures
    left semi join affected_orders
        on
            captures.tenant_id = affected_orders.tenant_id
            and captures.order_id = affected_orders.order_id
),

scoped_captures as (
    select captures.*
    from captures
    left semi join affected_payments
        on
            captures.tenant_id = affected_payments.tenant_id
            and captures.payment_id = affected_payments.payment_id
),

{% else %}

scoped_captures as (
    select * from captures
),

{% endif %}

-- a capture event re-sent under a new event id is still one payment: keep its first event
one_per_payment as (
    select
        *,
        row_number() over (
            partition by tenant_id, payment_id
            order by captured_at, event_at, event_id
        ) as event_rank
    from scoped_captures
),

ranked_within_order as (
    select
        *,
        row_number() over (
            partition by tenant_id, order_id, is_capture_mismatched
            order by captured_at, payment_id
        ) as order_capture_rank,
        first_value(payment_id) over (
            partition by tenant_id, order_id, is_capture_mismatched
            order by captured_at, payment_id
        ) as first_payment_id_of_order
    from one_per_payment
    where event_rank = 1
),

{% if is_incremental() %}

-- a scoped payment whose order no new capture touched is unchanged (and its order may be incomplete here)
changed as (
    select ranked_within_order.*
    from ranked_within_order
    left semi join affected_orders
        on
            ranked_within_order.tenant_id = affected_orders.tenant_id
            and ranked_within_order.order_id = affected_orders.order_id
),

{% else %}

changed as (
    select * from ranked_within_order
),

{% endif %}

final as (
    select
        tenant_id,
        payment_id,
        order_id,
        booking_id,
        patient_id,
        branch_id,
        purpose,
        amount_paise,
        currency,
        captured_amount_paise,
        captured_currency,
        is_capture_mismatched,
        method,
        gateway,
        captured_at,
        {{ ist_date('captured_at') }} as captured_date,
        order_capture_rank,
        order_id != '' and not is_capture_mismatched and order_capture_rank > 1 as is_duplicate,
        if(is_duplicate, first_payment_id_of_order, '') as duplicate_of_payment_id,
        event_id,
        {{ batches_committed_through() }} as batches_committed_through
    from changed
)

select * from final
