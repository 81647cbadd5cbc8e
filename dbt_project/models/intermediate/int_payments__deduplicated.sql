{#- A table, not a view: several downstream models read it, and computing it once keeps the build fast
    at a million payments. -#}
{{
    config(
        materialized='table',
        engine='MergeTree()',
        order_by='(tenant_id, payment_id)',
    )
}}

{#- One row per captured payment. A payment whose order was already paid by an earlier capture
    (order by captured_at, then payment_id) is flagged as a duplicate of that first payment. -#}
with

captures as (
    select * from {{ ref('stg_booking__payments') }}
),

-- a capture event re-sent under a new event id is still one payment: keep its first event
one_per_payment as (
    select
        *,
        row_number() over (
            partition by tenant_id, payment_id
            order by captured_at, event_at, event_id
        ) as event_rank
    from captures
),

ranked_within_order as (
    select
        *,
        row_number() over (
            partition by tenant_id, order_id
            order by captured_at, payment_id
        ) as order_capture_rank,
        first_value(payment_id) over (
            partition by tenant_id, order_id
            order by captured_at, payment_id
        ) as first_payment_id_of_order
    from one_per_payment
    where event_rank = 1
),

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
        method,
        gateway,
        captured_at,
        {{ ist_date('captured_at') }} as captured_date,
        order_capture_rank,
        order_id != '' and order_capture_rank > 1 as is_duplicate,
        if(is_duplicate, first_payment_id_of_order, '') as duplicate_of_payment_id,
        event_id
    from ranked_within_order
)

select * from final
