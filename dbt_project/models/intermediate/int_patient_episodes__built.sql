{#- One row per visit (tenant_id, visit_number): the episode its ADT events describe, in visit order
    (message time, then control id). See docs/adt-episodes.md.

    - An A01 (admit) or A04 (register) opens the episode; an A11 voids the admit or register before it.
    - An A02 is a transfer; an A12 voids the transfer before it. An A17 (swap) is a transfer too.
    - An A03 discharges; an A13 voids the discharge before it. The last A03 not voided is the discharge.
    - Attributes (class, department, doctor, location, times, disposition) come from the latest event that
      carries them, cancels and voided events aside: an A08 correction wins.
    - IP when the latest patient class is I (A06 makes a visit inpatient, A07 outpatient), or when it names
      no class and an A01 admitted it; else OPD.
    - A visit with no admit or register (yet) is held (is_pending): an A03 that arrived before its A01
      makes no episode until the A01 comes. A visit whose only admit was voided by an A11 is cancelled.
      Neither reaches fct_patient_episodes. -#}
with

events as (
    select * from {{ ref('int_adt_events__mapped') }}
    where
        visit_number != ''
        and event_type in (
            'A01', 'A02', 'A03', 'A04', 'A05', 'A06', 'A07', 'A08', 'A11', 'A12', 'A13', 'A17'
        )
),

families as (
    select
        *,
        multiIf(
            event_type in ('A01', 'A04', 'A11'), 'admit',
            event_type in ('A02', 'A12'), 'transfer',
            event_type in ('A03', 'A13'), 'discharge',
            ''
        ) as cancel_family
    from events
),

voided as (
    select
        *,
        event_type in ('A11', 'A12', 'A13') as is_cancel,
        -- the cancel voids the event of its family just before it
        leadInFrame(event_type, 1, '') over (
            partition by tenant_id, visit_number, cancel_family
            order by visit_event_seq
            rows between unbounded preceding and unbounded following
        ) in ('A11', 'A12', 'A13') and event_type not in ('A11', 'A12', 'A13') as is_voided
    from families
),

effective as (
    select
        *,
        not is_cancel and not is_voided as is_effective,
        maxIf(visit_event_seq, event_type = 'A03' and not is_voided) over (
            partition by tenant_id, visit_number
        ) as discharge_seq
    from voided
),

visits as (
    select
        tenant_id,
        visit_number,
        countIf(event_type in ('A01', 'A04') and is_effective) as admit_events,
        countIf(event_type = 'A01' and is_effective) as inpatient_admit_events,
        countIf(event_type = 'A11') as cancelled_admit_events,
        countIf(event_type = 'A03' and is_effective) as discharge_events,
        countIf(event_type = 'A02' and is_effective) + countIf(event_type = 'A17') as transfer_count,
        count() as event_count,
        argMinIf(
            coalesce(admit_time, event_time, message_time),
            visit_event_seq,
            event_type in ('A01', 'A04') and is_effective
        ) as admit_event_at,
        argMaxIf(admit_time, visit_event_seq, is_effective and admit_time is not null) as latest_admit_time,
        argMaxIf(
            coalesce(discharge_time, event_time, message_time),
            visit_event_seq,
            event_type = 'A03' and is_effective
        ) as discharge_event_at,
        argMaxIf(
            discharge_time,
            visit_event_seq,
            is_effective and discharge_time is not null and visit_event_seq >= discharge_seq
        ) as latest_discharge_time,
        argMaxIf(
            discharge_disposition,
            visit_event_seq,
            is_effective and discharge_disposition != '' and visit_event_seq >= discharge_seq
        ) as last_discharge_disposition,
        argMaxIf(patient_class, visit_event_seq, is_effective and patient_class != '') as last_patient_class,
        argMaxIf(patient_mrn, visit_event_seq, is_effective and patient_mrn != '') as last_patient_mrn,
        argMaxIf(patient_id, visit_event_seq, is_effective and patient_id != '') as last_patient_id,
        argMaxIf(department, visit_event_seq, is_effective and department != '') as last_department,
        argMaxIf(department_name, visit_event_seq, is_effective and department != '') as last_department_name,
        argMaxIf(attending_doctor, visit_event_seq, is_effective and attending_doctor != '')
            as last_attending_doctor,
        argMaxIf(doctor_id, visit_event_seq, is_effective and attending_doctor != '') as last_doctor_id,
        argMaxIf(location, visit_event_seq, is_effective and location != '') as last_location,
        argMaxIf(ward_code, visit_event_seq, is_effective and location != '') as last_ward_code,
        argMaxIf(branch_id, visit_event_seq, is_effective and branch_id != '') as last_branch_id,
        argMaxIf(sender, visit_event_seq, is_effective) as last_sender,
        argMaxIf(wire_format, visit_event_seq, is_effective) as last_wire_format,
        min(message_time) as first_message_at,
        max(message_time) as last_message_at
    from effective
    group by tenant_id, visit_number
),

classified as (
    select
        *,
        last_patient_class = 'I' or (last_patient_class != 'O' and inpatient_admit_events > 0) as is_inpatient
    from visits
),

final as (
    select
        tenant_id,
        visit_number,
        lower(hex(substring(MD5(concat(tenant_id, '|', visit_number)), 1, 8))) as episode_id,
        multiIf(
            admit_events = 0 and cancelled_admit_events > 0, 'cancelled',
            admit_events = 0, 'pending',
            not is_inpatient, 'seen',
            discharge_events > 0, 'discharged',
            'admitted'
        ) as status,
        if(is_inpatient, 'IP', 'OPD') as episode_type,
        status = 'pending' as is_pending,
        last_patient_class as patient_class,
        last_patient_mrn as patient_mrn,
        last_patient_id as patient_id,
        last_branch_id as branch_id,
        last_department as department,
        last_department_name as department_name,
        last_attending_doctor as attending_doctor,
        last_doctor_id as doctor_id,
        last_location as location,
        last_ward_code as ward_code,
        if(admit_events > 0, coalesce(latest_admit_time, admit_event_at), null) as admit_at,
        if(discharge_events > 0, coalesce(latest_discharge_time, discharge_event_at), null) as discharge_at,
        if(discharge_events > 0, last_discharge_disposition, '') as discharge_disposition,
        transfer_count,
        event_count,
        multiIf(
            status = 'pending' and discharge_events > 0, 'discharge_without_admission',
            status = 'pending', 'no_admission',
            discharge_at < admit_at, 'discharge_before_admission',
            ''
        ) as anomaly,
        last_sender as sender,
        last_wire_format as wire_format,
        first_message_at,
        last_message_at
    from classified
)

select * from final
