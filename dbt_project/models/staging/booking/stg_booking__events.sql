with

source as (
    {{ committed_rows(source('booking', 'booking_events')) }}
),

renamed as (
    select
        event_id,
        event_type,
        tenant_id,
        branch_id,
        subject as booking_id,
        event_time as event_at,
        source as event_source,
        specversion as spec_version,
        datacontenttype as data_content_type,
        data as data_json,
        {{ load_metadata() }}
    from source
    -- the worker's own metrics are not booking facts: stg_booking__webhook_deliveries reads them;
    -- patient messages are not either: stg_booking__messages reads their lifecycle and
    -- stg_booking__message_statuses the providers' statuses; claims' published `claim.*` events are
    -- not either: the claim history is the raw claim feeds' (docs/claims.md)
    where
        event_type not like 'ops.%'
        and event_type not like 'message.%'
        and event_type not like 'claim.%'
),

final as (
    select * from renamed
)

select * from final
