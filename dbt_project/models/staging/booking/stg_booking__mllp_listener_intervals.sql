with

source as (
    {{ committed_rows(source('booking', 'booking_events')) }}
),

renamed as (
    select
        event_id,
        tenant_id,
        JSONExtractString(data, 'listener') as listener,
        parseDateTime64BestEffort(JSONExtractString(data, 'interval_start'), 3, 'UTC') as interval_start,
        parseDateTime64BestEffort(JSONExtractString(data, 'interval_end'), 3, 'UTC') as interval_end,
        JSONExtractInt(data, 'accepted') as accepted,
        JSONExtractInt(data, 'duplicates') as duplicates,
        JSONExtractInt(data, 'rejected') as rejected,
        JSONExtractInt(data, 'errors') as errors,
        JSONExtractInt(data, 'connections') as connections_opened,
        JSONExtractInt(data, 'connections_open') as connections_open,
        {{ load_metadata() }}
    from source
    where event_type = 'ops.mllp.listener.interval'
),

final as (
    select * from renamed
)

select * from final
