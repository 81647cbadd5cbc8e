{{ config(materialized='view') }}

{#- The data-quality history per IST day and check: how often the check ran that day, how often it
    failed, and how the day ended (the latest evaluation's status, failing rows and run). A view, so it
    shows the checks a run recorded after this model was built (the dbt step records its own tests once
    dbt has finished). -#}
with

results as (
    select * from {{ ref('stg_quality__check_results') }}
),

daily as (
    select
        {{ ist_date('checked_at') }} as checked_date,
        asset_key,
        check_name,
        argMax(check_description, (checked_at, run_id)) as check_description,
        argMax(severity, (checked_at, run_id)) as severity,
        toInt64(count()) as evaluation_count,
        toInt64(countIf(check_status = 'passed')) as passed_count,
        toInt64(countIf(check_status = 'failed')) as failed_count,
        argMax(check_status, (checked_at, run_id)) as latest_status,
        toNullable(toInt64(argMax(failing_rows, (checked_at, run_id)))) as latest_failing_rows,
        toNullable(toInt64(max(failing_rows))) as max_failing_rows,
        argMax(run_id, (checked_at, run_id)) as latest_run_id,
        max(checked_at) as latest_checked_at
    from results
    group by checked_date, asset_key, check_name
),

final as (
    select * from daily
)

select * from final
