{#- Whether reminders pay: per branch and IST month of the slot, the bookings with an outcome (completed or
    no-show) by what their reminders did, and their no-show rate. -#}
with

bookings as (
    select * from {{ ref('int_bookings__slotted') }}
),

events as (
    select * from {{ ref('stg_booking__events') }}
),

messages as (
    select * from {{ ref('fct_messages') }}
),

outcomes as (
    select
        tenant_id,
        booking_id,
        countIf(event_type = 'appointment.no_show') > 0 as is_no_show
    from events
    where event_type in ('appointment.completed', 'appointment.no_show')
    group by tenant_id, booking_id
),

reminders as (
    {{ booking_reminders('messages') }}
),

grouped as (
    select
        bookings.tenant_id as tenant_id,
        bookings.branch_id as branch_id,
        toStartOfMonth(bookings.slot_date) as slot_month,
        coalesce(nullif(reminders.reminder_status, ''), 'none') as reminder_status,
        outcomes.is_no_show as is_no_show
    from bookings
    inner join outcomes
        on
            bookings.tenant_id = outcomes.tenant_id
            and bookings.booking_id = outcomes.booking_id
    left join reminders
        on
            bookings.tenant_id = reminders.tenant_id
            and bookings.booking_id = reminders.booking_id
),

monthly as (
    select
        tenant_id,
        branch_id,
        slot_month,
        reminder_status,
        count() as booking_count,
        countIf(is_no_show) as no_show_count
    from grouped
    group by tenant_id, branch_id, slot_month, reminder_status
),

final as (
    select
        cast(tenant_id as String) as tenant_id,
        cast(branch_id as String) as branch_id,
        cast(slot_month as Date) as slot_month,
        cast(reminder_status as String) as reminder_status,
        cast(booking_count as Int64) as booking_count,
        cast(no_show_count as Int64) as no_show_count,
        cast(booking_count - no_show_count as Int64) as completed_count,
        cast(round(no_show_count / booking_count, 4) as Float64) as no_show_rate
    from monthly
    order by tenant_id, branch_id, slot_month, reminder_status
)

select * from final
