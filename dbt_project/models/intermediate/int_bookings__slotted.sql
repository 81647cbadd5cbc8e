{#- One row per booking with the slot it is for now: the booked slot, moved by its latest
    appointment.rescheduled event; is_cancelled once an appointment.cancelled event names it. The first
    appointment.booked event of a booking is kept (a re-delivered event is the same booking). -#}
with

booked as (
    select * from {{ ref('stg_booking__appointments') }}
),

events as (
    select * from {{ ref('stg_booking__events') }}
),

first_booked as (
    select
        tenant_id,
        booking_id,
        argMin(patient_id, (booked_at, event_id)) as patient_id,
        argMin(doctor_id, (booked_at, event_id)) as doctor_id,
        argMin(branch_id, (booked_at, event_id)) as branch_id,
        argMin(slot_start_at, (booked_at, event_id)) as booked_slot_start_at,
        min(booked_at) as first_booked_at
    from booked
    group by tenant_id, booking_id
),

changes as (
    select
        tenant_id,
        booking_id,
        argMaxIf(
            parseDateTime64BestEffortOrNull(JSONExtractString(data_json, 'new_slot_start'), 3, 'UTC'),
            (event_at, event_id),
            event_type = 'appointment.rescheduled'
        ) as rescheduled_slot_start_at,
        countIf(event_type = 'appointment.cancelled') > 0 as is_cancelled
    from events
    where event_type in ('appointment.rescheduled', 'appointment.cancelled')
    group by tenant_id, booking_id
),

final as (
    select
        first_booked.tenant_id as tenant_id,
        first_booked.booking_id as booking_id,
        first_booked.patient_id as patient_id,
        first_booked.doctor_id as doctor_id,
        first_booked.branch_id as branch_id,
        first_booked.first_booked_at as booked_at,
        coalesce(changes.rescheduled_slot_start_at, first_booked.booked_slot_start_at) as slot_start_at,
        {{ ist_date('slot_start_at') }} as slot_date,
        coalesce(changes.is_cancelled, false) as is_cancelled
    from first_booked
    left join changes
        on
            first_booked.tenant_id = changes.tenant_id
            and first_booked.booking_id = changes.booking_id
)

select * from final
