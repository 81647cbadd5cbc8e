with

source as (
    {{ committed_rows(source('reference', 'reference_providers')) }}
),

renamed as (
    select
        tenant_id,
        practitioner_id,
        doctor_id,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
