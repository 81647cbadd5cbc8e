with

source as (
    select * from {{ source('reference', 'reference_branches') }}
),

renamed as (
    select
        tenant_id,
        branch_id,
        branch_name,
        city,
        state,
        _source_file as source_file,
        _source_line as source_line,
        _loaded_at as loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
