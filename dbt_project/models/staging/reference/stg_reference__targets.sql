with

source as (
    {{ committed_rows(source('reference', 'reference_targets')) }}
),

renamed as (
    select
        tenant_id,
        branch_id,
        month as target_month,
        metric,
        target,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
