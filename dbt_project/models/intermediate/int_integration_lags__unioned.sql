{#- Each record whose event time is known, with when it reached the warehouse, named by its integration:
    the booking facts and the providers' message statuses (feeds: event time to _loaded_at), and each
    partner webhook delivery (the delivered booking event's time to the delivery run's end). -#}
with

booking_facts as (
    select
        'feed' as integration_type,
        'booking_events' as integration_name,
        event_at,
        loaded_at
    from {{ ref('stg_booking__events') }}
),

whatsapp_statuses as (
    select
        'feed' as integration_type,
        'whatsapp_statuses' as integration_name,
        status_at as event_at,
        loaded_at
    from {{ ref('stg_messaging__whatsapp_statuses') }}
),

sms_reports as (
    select
        'feed' as integration_type,
        'sms_delivery_reports' as integration_name,
        status_at as event_at,
        loaded_at
    from {{ ref('stg_messaging__sms_delivery_reports') }}
),

email_events as (
    select
        'feed' as integration_type,
        'email_events' as integration_name,
        status_at as event_at,
        loaded_at
    from {{ ref('stg_messaging__email_events') }}
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

unioned as (
    select * from booking_facts
    union all
    select * from whatsapp_statuses
    union all
    select * from sms_reports
    union all
    select * from email_events
    union all
    select * from webhook_deliveries
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
