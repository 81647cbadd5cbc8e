{#- One row per booking with what the branch metrics count about it: who (a new or a repeat patient), with
    whom (doctor and specialty), how (tele or in person), at what fee, from which channel, and how it ended
    (cancelled, completed or no-show) on which IST day. -#}
with

attributed as (
    select * from {{ ref('int_bookings__attributed') }}
),

slotted as (
    select * from {{ ref('int_bookings__slotted') }}
),

appointments as (
    select * from {{ ref('stg_booking__appointments') }}
),

events as (
    select * from {{ ref('stg_booking__events') }}
),

doctors as (
    select * from {{ ref('int_doctors__deduplicated') }}
),

-- the visit type and fee of the booking's first appointment.booked event
first_booked as (
    select
        tenant_id,
        booking_id,
        argMin(visit_type, (booked_at, event_id)) as visit_type,
        argMin(fee_paise, (booked_at, event_id)) as fee_paise
    from appointments
    group by tenant_id, booking_id
),

-- an event delivered twice counts once: the first cancellation, the first outcome
endings as (
    select
        tenant_id,
        booking_id,
        minIf(event_at, event_type = 'appointment.cancelled') as cancelled_at,
        countIf(event_type = 'appointment.cancelled') > 0 as is_cancelled,
        argMinIf(
            event_type,
            (event_at, event_id),
            event_type in ('appointment.completed', 'appointment.no_show')
        ) as outcome_event_type,
        minIf(event_at, event_type in ('appointment.completed', 'appointment.no_show')) as outcome_at
    from events
    where event_type in ('appointment.cancelled', 'appointment.completed', 'appointment.no_show')
    group by tenant_id, booking_id
),

joined as (
    select
        attributed.tenant_id as tenant_id,
        attributed.booking_id as booking_id,
        attributed.branch_id as branch_id,
        slotted.patient_id as patient_id,
        slotted.doctor_id as doctor_id,
        coalesce(doctors.specialty, '') as specialty,
        first_booked.visit_type as visit_type,
        first_booked.fee_paise as fee_paise,
        attributed.channel as channel,
        attributed.booked_at as booked_at,
        attributed.booked_date as booked_date,
        slotted.slot_date as slot_date,
        if(coalesce(endings.is_cancelled, false), {{ ist_date('endings.cancelled_at') }}, null)
            as cancelled_date,
        multiIf(
            endings.outcome_event_type = 'appointment.completed', 'completed',
            endings.outcome_event_type = 'appointment.no_show', 'no_show',
            ''
        ) as outcome,
        if(outcome != '', {{ ist_date('endings.outcome_at') }}, null) as outcome_date,
        row_number() over (
            partition by attributed.tenant_id, slotted.patient_id
            order by attributed.booked_at, attributed.booking_id
        ) as patient_booking_rank
    from attributed
    inner join slotted
        on
            attributed.tenant_id = slotted.tenant_id
            and attributed.booking_id = slotted.booking_id
    inner join first_booked
        on
            attributed.tenant_id = first_booked.tenant_id
            and attributed.booking_id = first_booked.booking_id
    left join endings
        on
            attributed.tenant_id = endings.tenant_id
            and attributed.booking_id = endings.booking_id
    left join doctors
        on
            slotted.tenant_id = doctors.tenant_id
            and slotted.doctor_id = doctors.doctor_id
),

final as (
    select
        tenant_id,
        booking_id,
        branch_id,
        patient_id,
        doctor_id,
        specialty,
        visit_type,
        fee_paise,
        channel,
        booked_at,
        booked_date,
        slot_date,
        cancelled_date,
        outcome,
        outcome_date,
        -- a booking without a patient id cannot be a repeat visit
        patient_id = '' or patient_booking_rank = 1 as is_new_patient
    from joined
)

select * from final
