with

source as (
    select * from {{ source('reference', 'reference_doctors') }}
),

renamed as (
    select
        tenant_id,
        doctor_id,
        branch_id,
        doctor_name,
        specialty,
        consultation_fee_paise,
        _source_file as source_file,
        _source_line as source_line,
        _loaded_at as loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
