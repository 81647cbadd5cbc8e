{#- Each record whose event time is known, with when it reached the warehouse, named by its integration:
    the booking facts and every other feed's records by the event time its spec declares (feeds: event
    time to _loaded_at), each partner webhook delivery (the delivered booking event's time to the delivery
    run's end) and each sent patient message (the time it was scheduled for to the provider's acceptance).
    -#}
with

booking_facts as (
    select
        'feed' as integration_type,
        'booking_events' as integration_name,
        event_at,
        loaded_at
    from {{ ref('stg_booking__events') }}
),

feed_records as (
    -- every other feed's records, by the event time its spec declares (stg_raw__record_event_times)
    select
        'feed' as integration_type,
        feed as integration_name,
        event_at,
        loaded_at
    from {{ ref('stg_raw__record_event_times') }}
),

booking_event_times as (
    -- one time per event id (an event loaded twice is one event)
    select
        event_id,
        min(event_at) as event_at
    from {{ ref('stg_booking__events') }}
    group by event_id
),

webhook_deliveries as (
    select
        'webhook_endpoint' as integration_type,
        concat(deliveries.tenant_id, '/', deliveries.endpoint) as integration_name,
        delivered.event_at,
        deliveries.event_at as loaded_at
    from {{ ref('stg_booking__webhook_deliveries') }} as deliveries
    inner join booking_event_times as delivered
        on deliveries.delivered_event_id = delivered.event_id
),

queued_messages as (
    select
        message_id,
        any(tenant_id) as tenant_id,
        any(coalesce(channel, '')) as channel,
        any(coalesce(provider, '')) as provider,
        min(scheduled_for) as scheduled_for
    from {{ ref('stg_booking__messages') }}
    where lifecycle_step = 'queued'
    group by message_id
),

sent_messages as (
    select
        'outbound_adapter' as integration_type,
        concat(queued.tenant_id, '/', queued.channel, '/', queued.provider) as integration_name,
        queued.scheduled_for as event_at,
        sent.event_at as loaded_at
    from {{ ref('stg_booking__messages') }} as sent
    inner join queued_messages as queued on sent.message_id = queued.message_id
    where sent.lifecycle_step = 'sent' and queued.scheduled_for is not null
),

unioned as (
    select * from booking_facts
    union all
    select * from feed_records
    union all
    select * from webhook_deliveries
    union all
    select * from sent_messages
),

final as (
    select
        integration_type,
        integration_name,
        toDateTime64(event_at, 3, 'UTC') as event_at,
        toDateTime64(loaded_at, 3, 'UTC') as loaded_at
    from unioned
)

select * from final
