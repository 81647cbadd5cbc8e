with

source as (
    {{ committed_rows(source('reference', 'reference_patient_identity')) }}
),

renamed as (
    select
        tenant_id,
        mrn,
        abha_number,
        patient_id,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
