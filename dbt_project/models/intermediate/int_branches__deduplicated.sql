{#- Reference rows are versioned: a changed row is appended by a later load. Keep the latest version
    of each key (latest load wins; within one load, the later line of the file). -#}
with

versions as (
    select * from {{ ref('stg_reference__branches') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by tenant_id, branch_id
            order by loaded_at desc, source_file desc, source_line desc
        ) as version_rank,
        count() over (partition by tenant_id, branch_id) as version_count
    from versions
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
