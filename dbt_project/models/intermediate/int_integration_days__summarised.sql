{#- Per integration and IST day, what it moved and how it went, from what the integrations record:
    feeds from the load ledger (one row per file load), partner webhook endpoints from the booking
    worker's `ops.webhook.delivery.*` events (one per delivery run of one event to one endpoint). -#}
with

batches as (
    select
        feed,
        load_status,
        rows_read,
        rows_loaded,
        rows_quarantined,
        rows_duplicate,
        started_at,
        committed_at,
        -- the loader reads a rejected file again once its configuration changes: such a load is a retry
        countIf(load_status = 'rejected') over (
            partition by feed, content_sha256
            order by started_at, batch_id
            rows between unbounded preceding and 1 preceding
        ) as earlier_rejections
    from {{ ref('stg_raw__load_batches') }}
),

feed_days as (
    select
        'feed' as integration_type,
        feed as integration_name,
        toDate(started_at, 'Asia/Kolkata') as activity_date,
        toInt64(sum(rows_read)) as volume,
        toInt64(sum(rows_loaded)) as loaded_count,
        toNullable(toInt64(sum(rows_quarantined))) as quarantined_count,
        toNullable(toInt64(sum(rows_duplicate))) as duplicate_count,
        toInt64(countIf(earlier_rejections > 0)) as retry_count,
        toInt64(countIf(load_status = 'rejected')) as failure_count,
        maxIf(toNullable(committed_at), load_status = 'loaded') as last_success_of_day
    from batches
    group by feed, activity_date
),

deliveries as (
    select
        tenant_id,
        endpoint,
        delivery_outcome,
        attempts,
        event_at,
        toDate(event_at, 'Asia/Kolkata') as activity_date,
        lagInFrame(toNullable(attempts)) over pair_history as previous_attempts,
        leadInFrame(toNullable(event_at)) over pair_history as next_run_at
    from {{ ref('stg_booking__webhook_deliveries') }}
    window pair_history as (
        partition by tenant_id, endpoint, delivered_event_id
        order by event_at, event_id
        rows between unbounded preceding and unbounded following
    )
),

webhook_days as (
    select
        'webhook_endpoint' as integration_type,
        concat(tenant_id, '/', endpoint) as integration_name,
        activity_date,
        toInt64(count()) as volume,
        toInt64(countIf(delivery_outcome = 'succeeded')) as loaded_count,
        cast(null as Nullable(Int64)) as quarantined_count,
        cast(null as Nullable(Int64)) as duplicate_count,
        -- HTTP attempts made this day beyond each event's first attempt at this endpoint
        toInt64(sum(attempts - coalesce(previous_attempts, 0)) - countIf(previous_attempts is null))
            as retry_count,
        toInt64(countIf(delivery_outcome in ('failed', 'dead_lettered'))) as failure_count,
        maxIf(toNullable(event_at), delivery_outcome = 'succeeded') as last_success_of_day
    from deliveries
    group by tenant_id, endpoint, activity_date
),

-- a dead-lettered event stays in the endpoint's dead-letter queue until a later run delivers it again
-- (a replay): it counts from the day it was dead-lettered to the day before that run
dead_letters as (
    select
        concat(tenant_id, '/', endpoint) as integration_name,
        activity_date as dead_from,
        toDate(next_run_at, 'Asia/Kolkata') as left_on
    from deliveries
    where delivery_outcome = 'dead_lettered'
),

webhook_depths as (
    select
        webhook_days.integration_name,
        webhook_days.activity_date,
        toInt64(countIf(
            dead_letters.dead_from <= webhook_days.activity_date
            and (dead_letters.left_on is null or dead_letters.left_on > webhook_days.activity_date)
        )) as dead_letter_depth
    from webhook_days
    inner join dead_letters on webhook_days.integration_name = dead_letters.integration_name
    group by webhook_days.integration_name, webhook_days.activity_date
),

final as (
    select
        *,
        cast(null as Nullable(Int64)) as dead_letter_depth
    from feed_days
    union all
    select
        webhook_days.*,
        toNullable(coalesce(webhook_depths.dead_letter_depth, 0)) as dead_letter_depth
    from webhook_days
    left join webhook_depths
        on
            webhook_days.integration_name = webhook_depths.integration_name
            and webhook_days.activity_date = webhook_depths.activity_date
)

select * from final
