with

source as (
    {{ committed_rows(source('reference', 'reference_doctors')) }}
),

renamed as (
    select
        tenant_id,
        doctor_id,
        branch_id,
        doctor_name,
        specialty,
        consultation_fee_paise,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
