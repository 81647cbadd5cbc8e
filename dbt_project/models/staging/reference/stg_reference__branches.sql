with

source as (
    {{ committed_rows(source('reference', 'reference_branches')) }}
),

renamed as (
    select
        tenant_id,
        branch_id,
        branch_name,
        city,
        state,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
