{{
    config(
        engine='MergeTree()',
        order_by='(tenant_id, branch_id)',
    )
}}

{#- The clinic chain's branches, latest version of the reference data. -#}
with

branches as (
    select * from {{ ref('int_branches__deduplicated') }}
),

final as (
    select
        cast(tenant_id as String) as tenant_id,
        cast(branch_id as String) as branch_id,
        cast(branch_name as String) as branch_name,
        cast(city as String) as city,
        cast(state as String) as state,
        cast(version_loaded_at as DateTime64(3, 'UTC')) as version_loaded_at,
        cast(version_count as Int64) as version_count
    from branches
    order by tenant_id, branch_id
)

select * from final
