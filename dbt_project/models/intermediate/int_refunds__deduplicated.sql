{#- One row per refund: its first `payment.refund.initiated` event (the refund's clock starts then). -#}
with

initiations as (
    select * from {{ ref('stg_booking__refunds') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by tenant_id, refund_id
            order by initiated_at, event_id
        ) as event_rank
    from initiations
),

final as (
    select
        tenant_id,
        refund_id,
        payment_id,
        branch_id,
        amount_paise,
        reason,
        initiated_at,
        {{ ist_date('initiated_at') }} as initiated_date,
        event_id
    from ranked
    where event_rank = 1
)

select * from final
