with

source as (
    {{ committed_rows(source('adt', 'adt_csv_events')) }}
),

renamed as (
    select
        tenant_id,
        sender,
        message_id,
        message_time,
        event_type,
        event_time,
        patient_ids,
        mrn,
        abha_number,
        patient_name,
        birth_date,
        sex,
        patient_class,
        visit_number,
        location,
        prior_location,
        department,
        attending_doctor,
        admit_time,
        discharge_time,
        discharge_disposition,
        merged_mrn,
        hl7_version,
        raw,
        'csv' as wire_format,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
