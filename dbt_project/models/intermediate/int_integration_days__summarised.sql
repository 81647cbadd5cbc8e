{#- Per integration and IST day, what it moved and how it went, from what the integrations record:
    feeds from the load ledger (one row per file load), partner webhook endpoints from the booking
    worker's `ops.webhook.delivery.*` events (one per delivery run of one event to one endpoint), outbound
    message adapters from the messages' `message.*` lifecycle events (one per send attempt's outcome),
    export delivery targets from exports.audit (one row per delivery of a bundle to its target), MLLP
    listeners from their `ops.mllp.listener.interval` events (one per interval's counts). -#}
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

message_adapters as (
    -- the adapter (channel and provider) each message was queued for
    select
        message_id,
        any(tenant_id) as tenant_id,
        any(coalesce(channel, '')) as channel,
        any(coalesce(provider, '')) as provider
    from {{ ref('stg_booking__messages') }}
    where lifecycle_step = 'queued'
    group by message_id
),

message_steps as (
    select
        concat(adapters.tenant_id, '/', adapters.channel, '/', adapters.provider) as integration_name,
        steps.lifecycle_step,
        steps.attempt,
        steps.event_at,
        toDate(steps.event_at, 'Asia/Kolkata') as activity_date,
        leadInFrame(toNullable(steps.event_at)) over (
            partition by steps.message_id
            -- a dead letter is written after its last failed attempt, at the same time: it sorts after it
            order by steps.event_at, steps.lifecycle_step = 'dead_lettered', steps.event_id
            rows between current row and unbounded following
        ) as next_step_at
    from {{ ref('stg_booking__messages') }} as steps
    inner join message_adapters as adapters on steps.message_id = adapters.message_id
    where steps.lifecycle_step in ('sent', 'attempt_failed', 'dead_lettered')
),

adapter_days as (
    select
        'outbound_adapter' as integration_type,
        integration_name,
        activity_date,
        toInt64(countIf(lifecycle_step in ('sent', 'attempt_failed'))) as volume,
        toInt64(countIf(lifecycle_step = 'sent')) as loaded_count,
        cast(null as Nullable(Int64)) as quarantined_count,
        cast(null as Nullable(Int64)) as duplicate_count,
        toInt64(countIf(lifecycle_step in ('sent', 'attempt_failed') and attempt > 1)) as retry_count,
        toInt64(countIf(lifecycle_step = 'attempt_failed')) as failure_count,
        maxIf(toNullable(event_at), lifecycle_step = 'sent') as last_success_of_day
    from message_steps
    group by integration_name, activity_date
),

exports as (
    select
        concat(bundle, '/', delivery_target) as integration_name,
        delivery_outcome,
        attempts,
        delivered_at,
        toDate(delivered_at, 'Asia/Kolkata') as activity_date,
        leadInFrame(toNullable(delivered_at)) over (
            partition by bundle, delivery_target, period_label
            order by delivered_at, audit_id
            rows between current row and unbounded following
        ) as next_delivery_at
    from {{ ref('stg_exports__deliveries') }}
),

export_days as (
    select
        'export_delivery' as integration_type,
        integration_name,
        activity_date,
        toInt64(count()) as volume,
        toInt64(countIf(delivery_outcome = 'delivered')) as loaded_count,
        cast(null as Nullable(Int64)) as quarantined_count,
        cast(null as Nullable(Int64)) as duplicate_count,
        toInt64(sum(attempts - 1)) as retry_count,
        toInt64(countIf(delivery_outcome = 'delivery_failed')) as failure_count,
        maxIf(toNullable(delivered_at), delivery_outcome = 'delivered') as last_success_of_day
    from exports
    group by integration_name, activity_date
),

listener_days as (
    select
        'mllp_listener' as integration_type,
        concat(tenant_id, '/', listener) as integration_name,
        toDate(interval_end, 'Asia/Kolkata') as activity_date,
        toInt64(sum(accepted + duplicates + rejected + errors)) as volume,
        toInt64(sum(accepted)) as loaded_count,
        cast(null as Nullable(Int64)) as quarantined_count,
        toNullable(toInt64(sum(duplicates))) as duplicate_count,
        -- a message stored already came again: its sender resent it (an ACK it never read)
        toInt64(sum(duplicates)) as retry_count,
        toInt64(sum(rejected + errors)) as failure_count,
        maxIf(toNullable(interval_end), accepted > 0) as last_success_of_day
    from {{ ref('stg_booking__mllp_listener_intervals') }}
    group by tenant_id, listener, activity_date
),

days as (
    select * from feed_days
    union all
    select * from webhook_days
    union all
    select * from adapter_days
    union all
    select * from export_days
    union all
    select * from listener_days
),

-- a dead-lettered event, message or bundle stays in its integration's dead-letter queue until it is tried
-- again (a replay's next run or attempt, the bundle's next delivery for the same period): it counts from the
-- day it was dead-lettered to the day before that
dead_letters as (
    select
        'webhook_endpoint' as integration_type,
        concat(tenant_id, '/', endpoint) as integration_name,
        activity_date as dead_from,
        toDate(next_run_at, 'Asia/Kolkata') as left_on
    from deliveries
    where delivery_outcome = 'dead_lettered'
    union all
    select
        'outbound_adapter' as integration_type,
        integration_name,
        activity_date as dead_from,
        toDate(next_step_at, 'Asia/Kolkata') as left_on
    from message_steps
    where lifecycle_step = 'dead_lettered'
    union all
    select
        'export_delivery' as integration_type,
        integration_name,
        activity_date as dead_from,
        toDate(next_delivery_at, 'Asia/Kolkata') as left_on
    from exports
    where delivery_outcome = 'delivery_failed'
),

depths as (
    select
        days.integration_type,
        days.integration_name,
        days.activity_date,
        toInt64(countIf(
            dead_letters.dead_from <= days.activity_date
            and (dead_letters.left_on is null or dead_letters.left_on > days.activity_date)
        )) as dead_letter_depth
    from days
    inner join dead_letters
        on
            days.integration_type = dead_letters.integration_type
            and days.integration_name = dead_letters.integration_name
    group by days.integration_type, days.integration_name, days.activity_date
),

final as (
    select
        days.*,
        -- a feed has no dead-letter queue (its refused records are quarantined), nor has a listener (a
        -- refused message stays with its sender)
        if(
            days.integration_type in ('feed', 'mllp_listener'),
            null,
            toNullable(coalesce(depths.dead_letter_depth, 0))
        ) as dead_letter_depth
    from days
    left join depths
        on
            days.integration_type = depths.integration_type
            and days.integration_name = depths.integration_name
            and days.activity_date = depths.activity_date
)

select * from final
