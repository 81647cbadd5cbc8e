with

source as (
    {{ committed_rows(source('booking', 'booking_events')) }}
),

renamed as (
    select
        event_id,
        tenant_id,
        branch_id,
        replaceOne(event_type, 'ops.webhook.delivery.', '') as delivery_outcome,
        JSONExtractString(data, 'endpoint') as endpoint,
        JSONExtractString(data, 'event_id') as delivered_event_id,
        JSONExtractString(data, 'event_type') as delivered_event_type,
        JSONExtractInt(data, 'attempts') as attempts,
        JSONExtractInt(data, 'latency_ms') as latency_ms,
        if(
            JSONType(data, 'status_code') in ('Int64', 'UInt64'),
            toNullable(toInt32(JSONExtractInt(data, 'status_code'))),
            null
        ) as status_code,
        nullIf(JSONExtractString(data, 'error'), '') as error,
        event_time as event_at,
        {{ load_metadata() }}
    from source
    where event_type like 'ops.webhook.delivery.%'
),

final as (
    select * from renamed
)

select * from final
