{{
    config(
        engine='MergeTree()',
        order_by='(tenant_id, sender, message_id)',
    )
}}

{#- Every accepted ADT event once (a re-sent message is one row), its patient resolved through A40 merges,
    its codes mapped. Names, birth dates and the raw message stay in the raw and staging layers. -#}
with

events as (
    select * from {{ ref('int_adt_events__mapped') }}
),

final as (
    select
        cast(tenant_id as String) as tenant_id,
        cast(sender as String) as sender,
        cast(message_id as String) as message_id,
        cast(wire_format as String) as wire_format,
        cast(event_type as String) as event_type,
        cast(message_time as DateTime64(3, 'UTC')) as message_time,
        cast(event_time as Nullable(DateTime64(3, 'UTC'))) as event_time,
        cast(visit_number as String) as visit_number,
        cast(visit_event_seq as Int64) as visit_event_seq,
        cast(patient_mrn as String) as patient_mrn,
        cast(mrn as String) as sent_mrn,
        cast(is_merged_patient as Bool) as is_merged_patient,
        cast(merged_mrn as String) as merged_mrn,
        cast(patient_id as String) as patient_id,
        cast(patient_class as String) as patient_class,
        cast(location as String) as location,
        cast(prior_location as String) as prior_location,
        cast(ward_code as String) as ward_code,
        cast(ward_name as String) as ward_name,
        cast(department as String) as department,
        cast(department_name as String) as department_name,
        cast(branch_id as String) as branch_id,
        cast(attending_doctor as String) as attending_doctor,
        cast(doctor_id as String) as doctor_id,
        cast(admit_time as Nullable(DateTime64(3, 'UTC'))) as admit_time,
        cast(discharge_time as Nullable(DateTime64(3, 'UTC'))) as discharge_time,
        cast(discharge_disposition as String) as discharge_disposition,
        cast(hl7_version as String) as hl7_version,
        cast(copies_received as Int64) as copies_received,
        cast(loaded_at as DateTime64(3, 'UTC')) as loaded_at
    from events
    order by tenant_id, sender, message_id
)

select * from final
