{{
    config(
        engine='MergeTree()',
        order_by='(tenant_id, branch_id, activity_date)',
    )
}}

{#- ADT figures per branch and IST day, for the metrics: admissions and discharges of IP episodes, their
    average length of stay (of the day's discharges), bed-days by the midnight census (an IP patient in a
    bed at the end of the day: admitted that day or before, discharged after it or not yet; an open
    admission counts through the tenant's latest ADT day), and OPD visits seen against bookings whose
    slot was that day (bookings up to the tenant's latest ADT day). A day with none of these has no row. -#}
with

episodes as (
    select * from {{ ref('fct_patient_episodes') }}
),

bookings as (
    select * from {{ ref('int_bookings__slotted') }}
    where not is_cancelled
),

latest_day as (
    select
        tenant_id,
        max({{ ist_date('message_time') }}) as last_adt_date
    from {{ ref('fct_adt_events') }}
    group by tenant_id
),

inpatients as (
    select * from episodes
    where episode_type = 'IP'
),

admissions as (
    select
        tenant_id,
        branch_id,
        admit_date as activity_date,
        count() as admission_count
    from inpatients
    group by tenant_id, branch_id, admit_date
),

discharges as (
    select
        tenant_id,
        branch_id,
        assumeNotNull(discharge_date) as activity_date,
        count() as discharge_count,
        round(avg(length_of_stay_hours) / 24, 2) as avg_length_of_stay_days
    from inpatients
    where discharge_date is not null
    group by tenant_id, branch_id, activity_date
),

stays as (
    select
        inpatients.tenant_id as tenant_id,
        inpatients.branch_id as branch_id,
        inpatients.admit_date as admit_date,
        toUInt32(greatest(
            0,
            dateDiff(
                'day',
                inpatients.admit_date,
                coalesce(inpatients.discharge_date, addDays(latest_day.last_adt_date, 1))
            )
        )) as nights
    from inpatients
    inner join latest_day on inpatients.tenant_id = latest_day.tenant_id
),

census as (
    select
        tenant_id,
        branch_id,
        addDays(admit_date, arrayJoin(range(nights))) as activity_date
    from stays
),

bed_days as (
    select
        tenant_id,
        branch_id,
        activity_date,
        count() as bed_days
    from census
    group by tenant_id, branch_id, activity_date
),

opd_seen as (
    select
        tenant_id,
        branch_id,
        admit_date as activity_date,
        count() as opd_visits_seen,
        countIf(booking_id != '') as opd_booked_visits_seen
    from episodes
    where episode_type = 'OPD'
    group by tenant_id, branch_id, admit_date
),

-- bookings of the tenants whose HIS feeds ADT, up to their latest ADT day (later slots are not due yet)
opd_booked as (
    select
        bookings.tenant_id as tenant_id,
        bookings.branch_id as branch_id,
        bookings.slot_date as activity_date,
        count() as opd_visits_booked
    from bookings
    inner join latest_day on bookings.tenant_id = latest_day.tenant_id
    where bookings.slot_date <= latest_day.last_adt_date
    group by bookings.tenant_id, bookings.branch_id, bookings.slot_date
),

days as (
    select
        tenant_id,
        branch_id,
        activity_date
    from admissions
    union distinct
    select
        tenant_id,
        branch_id,
        activity_date
    from discharges
    union distinct
    select
        tenant_id,
        branch_id,
        activity_date
    from bed_days
    union distinct
    select
        tenant_id,
        branch_id,
        activity_date
    from opd_seen
    union distinct
    select
        tenant_id,
        branch_id,
        activity_date
    from opd_booked
),

final as (
    select
        cast(days.tenant_id as String) as tenant_id,
        cast(days.branch_id as String) as branch_id,
        cast(days.activity_date as Date) as activity_date,
        cast(coalesce(admissions.admission_count, 0) as Int64) as admission_count,
        cast(coalesce(discharges.discharge_count, 0) as Int64) as discharge_count,
        cast(discharges.avg_length_of_stay_days as Nullable(Float64)) as avg_length_of_stay_days,
        cast(coalesce(bed_days.bed_days, 0) as Int64) as bed_days,
        cast(coalesce(opd_seen.opd_visits_seen, 0) as Int64) as opd_visits_seen,
        cast(coalesce(opd_booked.opd_visits_booked, 0) as Int64) as opd_visits_booked,
        cast(coalesce(opd_seen.opd_booked_visits_seen, 0) as Int64) as opd_booked_visits_seen
    from days
    left join admissions
        on
            days.tenant_id = admissions.tenant_id
            and days.branch_id = admissions.branch_id
            and days.activity_date = admissions.activity_date
    left join discharges
        on
            days.tenant_id = discharges.tenant_id
            and days.branch_id = discharges.branch_id
            and days.activity_date = discharges.activity_date
    left join bed_days
        on
            days.tenant_id = bed_days.tenant_id
            and days.branch_id = bed_days.branch_id
            and days.activity_date = bed_days.activity_date
    left join opd_seen
        on
            days.tenant_id = opd_seen.tenant_id
            and days.branch_id = opd_seen.branch_id
            and days.activity_date = opd_seen.activity_date
    left join opd_booked
        on
            days.tenant_id = opd_booked.tenant_id
            and days.branch_id = opd_booked.branch_id
            and days.activity_date = opd_booked.activity_date
    order by tenant_id, branch_id, activity_date
)

select * from final
