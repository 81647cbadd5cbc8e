with

days as (
    select * from {{ ref('int_integration_days__summarised') }}
),

record_lags as (
    select
        integration_type,
        integration_name,
        loaded_at,
        dateDiff('second', event_at, loaded_at) as lag_seconds
    from {{ ref('int_integration_lags__unioned') }}
),

lags as (
    select
        integration_type,
        integration_name,
        toDate(loaded_at, 'Asia/Kolkata') as activity_date,
        toNullable(toInt64(quantileExact(0.5)(lag_seconds))) as lag_p50_seconds,  -- noqa: LT01
        toNullable(toInt64(quantileExact(0.95)(lag_seconds))) as lag_p95_seconds  -- noqa: LT01
    from record_lags
    group by integration_type, integration_name, activity_date
),

final as (
    select
        days.integration_type as integration_type,
        days.integration_name as integration_name,
        days.activity_date as activity_date,
        days.volume as volume,
        days.loaded_count as loaded_count,
        days.quarantined_count as quarantined_count,
        days.duplicate_count as duplicate_count,
        if(
            days.volume > 0 and days.quarantined_count is not null,
            toNullable(round(days.quarantined_count / days.volume, 4)),
            null
        ) as quarantine_rate,
        lags.lag_p50_seconds as lag_p50_seconds,
        lags.lag_p95_seconds as lag_p95_seconds,
        days.retry_count as retry_count,
        days.failure_count as failure_count,
        days.dead_letter_depth as dead_letter_depth,
        max(days.last_success_of_day) over (
            partition by days.integration_type, days.integration_name
            order by days.activity_date
            rows between unbounded preceding and current row
        ) as last_success_at
    from days
    left join lags
        on
            days.integration_type = lags.integration_type
            and days.integration_name = lags.integration_name
            and days.activity_date = lags.activity_date
)

select * from final
