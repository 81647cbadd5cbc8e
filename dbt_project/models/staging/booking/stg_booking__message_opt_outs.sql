with

source as (
    {{ committed_rows(source('booking', 'booking_events')) }}
),

renamed as (
    select
        event_id,
        tenant_id,
        branch_id,
        JSONExtractString(data, 'patient_id') as patient_id,
        JSONExtractString(data, 'channel') as channel,
        JSONExtractString(data, 'keyword') as keyword,
        parseDateTime64BestEffort(JSONExtractString(data, 'received_at'), 3, 'UTC') as received_at,
        event_time as event_at,
        {{ load_metadata() }}
    from source
    where event_type = 'message.opted_out'
),

final as (
    select * from renamed
)

select * from final
