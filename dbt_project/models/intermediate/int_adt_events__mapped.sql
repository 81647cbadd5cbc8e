{#- The HIS's codes of each event mapped to the platform's through the versioned mapping tables (the versions
    in force at this run: a mapping added later resolves old events on the next run). The patient is found
    by the surviving MRN, else the MRN as sent, else the ABHA number. The ward is the point of care, the
    first component of the location (HL7 PV1-3.1). The event's branch is its ward's, else its department's
    (the HIS names no branch of ours; wards and departments each belong to one). An unmapped code leaves
    its mapped column empty and is listed by unmapped_codes. -#}
with

events as (
    select * from {{ ref('int_adt_events__merged') }}
),

identities as (
    select * from {{ ref('int_patient_identity__deduplicated') }}
),

identities_by_abha as (
    select
        tenant_id,
        abha_number,
        min(patient_id) as patient_id
    from identities
    where abha_number != ''
    group by tenant_id, abha_number
),

providers as (
    select * from {{ ref('int_providers__deduplicated') }}
),

departments as (
    select * from {{ ref('int_departments__deduplicated') }}
),

wards as (
    select * from {{ ref('int_wards__deduplicated') }}
),

with_ward as (
    select
        *,
        splitByChar('^', location)[1] as ward_code
    from events
),

mapped as (
    select
        {{ adt_event_columns('with_ward') }},
        with_ward.copies_received as copies_received,
        with_ward.patient_mrn as patient_mrn,
        with_ward.is_merged_patient as is_merged_patient,
        with_ward.visit_event_seq as visit_event_seq,
        with_ward.ward_code as ward_code,
        coalesce(
            nullIf(by_surviving_mrn.patient_id, ''),
            nullIf(by_sent_mrn.patient_id, ''),
            nullIf(by_abha.patient_id, ''),
            ''
        ) as patient_id,
        coalesce(providers.doctor_id, '') as doctor_id,
        coalesce(departments.department_name, '') as department_name,
        coalesce(departments.branch_id, '') as department_branch_id,
        coalesce(wards.ward_name, '') as ward_name,
        coalesce(wards.branch_id, '') as ward_branch_id
    from with_ward
    left join identities as by_surviving_mrn
        on
            with_ward.tenant_id = by_surviving_mrn.tenant_id
            and with_ward.patient_mrn = by_surviving_mrn.mrn
    left join identities as by_sent_mrn
        on
            with_ward.tenant_id = by_sent_mrn.tenant_id
            and with_ward.mrn = by_sent_mrn.mrn
    left join identities_by_abha as by_abha
        on
            with_ward.tenant_id = by_abha.tenant_id
            and with_ward.abha_number = by_abha.abha_number
    left join providers
        on
            with_ward.tenant_id = providers.tenant_id
            and with_ward.attending_doctor = providers.practitioner_id
    left join departments
        on
            with_ward.tenant_id = departments.tenant_id
            and with_ward.department = departments.department_code
    left join wards
        on
            with_ward.tenant_id = wards.tenant_id
            and with_ward.ward_code = wards.ward_code
),

final as (
    select
        *,
        if(ward_branch_id != '', ward_branch_id, department_branch_id) as branch_id
    from mapped
)

select * from final
