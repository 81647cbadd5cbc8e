with

source as (
    select * from {{ source('quality', 'dq_results') }}
),

renamed as (
    select
        run_id,
        job_name,
        step_key,
        asset_key,
        check_name,
        description as check_description,
        status as check_status,
        severity,
        failing_rows,
        checked_at
    from source
),

final as (
    select * from renamed
)

select * from final
