{#- One row per booking: the channel, campaign and branch of its first `appointment.booked` event. -#}
with

appointments as (
    select * from {{ ref('stg_booking__appointments') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by tenant_id, booking_id
            order by booked_at, event_id
        ) as event_rank
    from appointments
),

final as (
    select
        tenant_id,
        booking_id,
        branch_id,
        channel,
        campaign,
        booked_at,
        {{ ist_date('booked_at') }} as booked_date,
        event_id
    from ranked
    where event_rank = 1
)

select * from final
