with

source as (
    {{ committed_rows(source('reference', 'reference_wards')) }}
),

renamed as (
    select
        tenant_id,
        ward_code,
        ward_name,
        branch_id,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
