{{
    config(
        engine='MergeTree()',
        order_by='(tenant_id, episode_id)',
    )
}}

{#- One row per patient episode (an OPD visit or an IP admission) that an admit or register opened and no
    cancel voided (int_patient_episodes__built holds the pending and cancelled ones). An OPD visit is
    linked to the booking of the same patient (identity mapping) and branch whose slot is on the visit's
    IST day: one with the same doctor first (the HIS may correct the attending doctor, or name one not
    mapped yet), then the nearest slot; a booking links to one visit at most. The payments of the
    patient in the episode window (from the IST day of admission to the IST day of discharge, or on for
    an open admission; an OPD visit without a discharge: its day) are summed. -#}
with

episodes as (
    select * from {{ ref('int_patient_episodes__built') }}
    where status in ('seen', 'admitted', 'discharged')
),

bookings as (
    select * from {{ ref('int_bookings__slotted') }}
    where not is_cancelled
),

payments as (
    select * from {{ ref('int_payments__deduplicated') }}
    where not is_duplicate and not is_capture_mismatched
),

windowed as (
    select
        *,
        {{ ist_date('admit_at') }} as admit_date,
        if(discharge_at is null, null, {{ ist_date('discharge_at') }}) as discharge_date,
        toDateTime64(toStartOfDay(admit_at, 'Asia/Kolkata'), 3, 'UTC') as window_start_at,
        multiIf(
            discharge_at is not null,
            toDateTime64(toStartOfDay(discharge_at, 'Asia/Kolkata') + interval 1 day, 3, 'UTC'),
            episode_type = 'OPD',
            toDateTime64(toStartOfDay(admit_at, 'Asia/Kolkata') + interval 1 day, 3, 'UTC'),
            null
        ) as window_end_at
    from episodes
),

candidates as (
    select
        windowed.tenant_id as tenant_id,
        windowed.episode_id as episode_id,
        bookings.booking_id as booking_id,
        windowed.doctor_id != bookings.doctor_id as is_other_doctor,
        abs(dateDiff('second', bookings.slot_start_at, windowed.admit_at)) as slot_distance_seconds
    from windowed
    inner join bookings
        on
            windowed.tenant_id = bookings.tenant_id
            and windowed.patient_id = bookings.patient_id
            and windowed.branch_id = bookings.branch_id
            and windowed.admit_date = bookings.slot_date
    where windowed.episode_type = 'OPD' and windowed.patient_id != ''
),

ranked_candidates as (
    select
        *,
        row_number() over (
            partition by tenant_id, episode_id order by is_other_doctor, slot_distance_seconds, booking_id
        ) as booking_rank,
        row_number() over (
            partition by tenant_id, booking_id order by is_other_doctor, slot_distance_seconds, episode_id
        ) as episode_rank
    from candidates
),

links as (
    select
        tenant_id,
        episode_id,
        booking_id
    from ranked_candidates
    where booking_rank = 1 and episode_rank = 1
),

episode_payments as (
    select
        windowed.tenant_id as tenant_id,
        windowed.episode_id as episode_id,
        sum(payments.amount_paise) as payments_paise,
        count() as payment_count
    from windowed
    inner join payments
        on
            windowed.tenant_id = payments.tenant_id
            and windowed.patient_id = payments.patient_id
    where
        windowed.patient_id != ''
        and payments.captured_at >= windowed.window_start_at
        and (windowed.window_end_at is null or payments.captured_at < windowed.window_end_at)
    group by windowed.tenant_id, windowed.episode_id
),

final as (
    select
        cast(windowed.tenant_id as String) as tenant_id,
        cast(windowed.episode_id as String) as episode_id,
        cast(windowed.visit_number as String) as visit_number,
        cast(windowed.episode_type as String) as episode_type,
        cast(windowed.status as String) as status,
        cast(windowed.patient_mrn as String) as patient_mrn,
        cast(windowed.patient_id as String) as patient_id,
        cast(windowed.branch_id as String) as branch_id,
        cast(windowed.department as String) as department,
        cast(windowed.department_name as String) as department_name,
        cast(windowed.attending_doctor as String) as attending_doctor,
        cast(windowed.doctor_id as String) as doctor_id,
        cast(windowed.location as String) as location,
        cast(windowed.admit_at as DateTime64(3, 'UTC')) as admit_at,
        cast(windowed.admit_at as DateTime64(3, 'Asia/Kolkata')) as admit_at_ist,
        cast(windowed.admit_date as Date) as admit_date,
        cast(windowed.discharge_at as Nullable(DateTime64(3, 'UTC'))) as discharge_at,
        cast(windowed.discharge_at as Nullable(DateTime64(3, 'Asia/Kolkata'))) as discharge_at_ist,
        cast(windowed.discharge_date as Nullable(Date)) as discharge_date,
        cast(
            if(
                windowed.discharge_at is null,
                null,
                round(dateDiff('second', windowed.admit_at, windowed.discharge_at) / 3600, 2)
            ) as Nullable(Float64)
        ) as length_of_stay_hours,
        cast(
            if(
                windowed.discharge_at is null,
                null,
                dateDiff('day', windowed.admit_date, windowed.discharge_date)
            ) as Nullable(Int64)
        ) as length_of_stay_days,
        cast(windowed.transfer_count as Int64) as transfer_count,
        cast(windowed.discharge_disposition as String) as discharge_disposition,
        cast(coalesce(links.booking_id, '') as String) as booking_id,
        cast(coalesce(episode_payments.payments_paise, 0) as Int64) as payments_paise,
        cast(coalesce(episode_payments.payment_count, 0) as Int64) as payment_count,
        cast(windowed.anomaly as String) as anomaly,
        cast(windowed.event_count as Int64) as event_count,
        cast(windowed.sender as String) as sender,
        cast(windowed.wire_format as String) as wire_format
    from windowed
    left join links
        on
            windowed.tenant_id = links.tenant_id
            and windowed.episode_id = links.episode_id
    left join episode_payments
        on
            windowed.tenant_id = episode_payments.tenant_id
            and windowed.episode_id = episode_payments.episode_id
    order by tenant_id, episode_id
)

select * from final
