{{
    config(
        engine='MergeTree()',
        order_by='(tenant_id, activity_date, branch_id, channel, campaign)',
    )
}}

{#- What each demand channel and campaign brought in, per branch and IST day: bookings made, visits
    completed, no-shows, money collected and refunded. Each fact counts on the IST day it happened and
    is attributed to its booking's channel and campaign (portal and '' when the booking is unknown). -#}
with

bookings as (
    select * from {{ ref('int_bookings__attributed') }}
),

events as (
    select * from {{ ref('stg_booking__events') }}
),

payments as (
    select * from {{ ref('int_payments__deduplicated') }}
),

refunds as (
    select * from {{ ref('int_refunds__deduplicated') }}
),

-- a completion or no-show delivered twice counts once: its first event
outcomes as (
    select
        tenant_id,
        booking_id,
        event_type,
        any(branch_id) as branch_id,
        min(event_at) as outcome_at
    from events
    where event_type in ('appointment.completed', 'appointment.no_show')
    group by tenant_id, booking_id, event_type
),

activity as (
    select
        tenant_id,
        booking_id,
        branch_id,
        booked_date as activity_date,
        toInt64(1) as booking_count,
        toInt64(0) as completed_visit_count,
        toInt64(0) as no_show_count,
        toInt64(0) as collected_paise,
        toInt64(0) as refunded_paise
    from bookings
    union all
    select
        tenant_id,
        booking_id,
        branch_id,
        {{ ist_date('outcome_at') }} as activity_date,
        toInt64(0) as booking_count,
        toInt64(event_type = 'appointment.completed') as completed_visit_count,
        toInt64(event_type = 'appointment.no_show') as no_show_count,
        toInt64(0) as collected_paise,
        toInt64(0) as refunded_paise
    from outcomes
    union all
    -- a duplicate capture of a paid order is refunded at once: it is not money collected
    select
        tenant_id,
        booking_id,
        branch_id,
        captured_date as activity_date,
        toInt64(0) as booking_count,
        toInt64(0) as completed_visit_count,
        toInt64(0) as no_show_count,
        toInt64(amount_paise) as collected_paise,
        toInt64(0) as refunded_paise
    from payments
    where not is_duplicate
    union all
    select
        refunds.tenant_id as tenant_id,
        payments.booking_id as booking_id,
        refunds.branch_id as branch_id,
        refunds.initiated_date as activity_date,
        toInt64(0) as booking_count,
        toInt64(0) as completed_visit_count,
        toInt64(0) as no_show_count,
        toInt64(0) as collected_paise,
        toInt64(refunds.amount_paise) as refunded_paise
    from refunds
    left join payments
        on
            refunds.tenant_id = payments.tenant_id
            and refunds.payment_id = payments.payment_id
    -- the refund of a duplicate capture gives back money that was never counted as collected
    where not coalesce(payments.is_duplicate, false)
),

attributed as (
    select
        activity.tenant_id as tenant_id,
        coalesce(nullif(bookings.channel, ''), 'portal') as channel,
        coalesce(bookings.campaign, '') as campaign,
        coalesce(nullif(bookings.branch_id, ''), activity.branch_id) as branch_id,
        activity.activity_date as activity_date,
        activity.booking_count as booking_count,
        activity.completed_visit_count as completed_visit_count,
        activity.no_show_count as no_show_count,
        activity.collected_paise as collected_paise,
        activity.refunded_paise as refunded_paise
    from activity
    left join bookings
        on
            activity.tenant_id = bookings.tenant_id
            and activity.booking_id = bookings.booking_id
),

daily as (
    select
        tenant_id,
        channel,
        campaign,
        branch_id,
        activity_date,
        sum(booking_count) as booking_count,
        sum(completed_visit_count) as completed_visit_count,
        sum(no_show_count) as no_show_count,
        sum(collected_paise) as collected_paise,
        sum(refunded_paise) as refunded_paise
    from attributed
    group by tenant_id, channel, campaign, branch_id, activity_date
),

final as (
    select
        cast(tenant_id as String) as tenant_id,
        cast(channel as String) as channel,
        cast(campaign as String) as campaign,
        cast(branch_id as String) as branch_id,
        cast(activity_date as Date) as activity_date,
        cast(booking_count as Int64) as booking_count,
        cast(completed_visit_count as Int64) as completed_visit_count,
        cast(no_show_count as Int64) as no_show_count,
        cast(collected_paise as Int64) as collected_paise,
        cast(refunded_paise as Int64) as refunded_paise,
        cast(collected_paise - refunded_paise as Int64) as net_collected_paise
    from daily
    order by tenant_id, activity_date, branch_id, channel, campaign
)

select * from final
