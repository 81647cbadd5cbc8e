{#- The version in force of each branch (tenant_id, branch_id): see rank_reference_versions. -#}
with

versions as (
    select * from {{ ref('stg_reference__branches') }}
),

ranked as (
    {{ rank_reference_versions('versions', ['tenant_id', 'branch_id']) }}
),

final as (
    select
        tenant_id,
        branch_id,
        branch_name,
        city,
        state,
        loaded_at as version_loaded_at,
        version_count
    from ranked
    where version_rank = 1
)

select * from final
