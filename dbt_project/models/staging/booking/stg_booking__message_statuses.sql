with

source as (
    {{ committed_rows(source('booking', 'booking_events')) }}
),

renamed as (
    select
        tenant_id,
        multiIf(
            JSONExtractString(data, 'provider') = 'meta', 'whatsapp',
            JSONExtractString(data, 'provider') = 'msg91', 'sms',
            'email'
        ) as channel,
        JSONExtractString(data, 'provider') as provider,
        JSONExtractString(data, 'provider_message_id') as provider_message_id,
        JSONExtractString(data, 'status') as status,
        JSONExtractString(data, 'provider_status') as provider_status,
        parseDateTime64BestEffort(JSONExtractString(data, 'status_time'), 3, 'UTC') as status_at,
        JSONExtractString(data, 'recipient_masked') as recipient_masked,
        nullIf(JSONExtractString(data, 'error_code'), '') as error_code,
        nullIf(JSONExtractString(data, 'error_title'), '') as error_title,
        nullIf(JSONExtractString(data, 'pricing_category'), '') as pricing_category,
        if(
            JSONType(data, 'pricing_billable') = 'Bool',
            toNullable(JSONExtractBool(data, 'pricing_billable') = 1),
            null
        ) as pricing_billable,
        nullIf(JSONExtractString(data, 'conversation_id'), '') as conversation_id,
        nullIf(JSONExtractString(data, 'conversation_origin'), '') as conversation_origin,
        parseDateTime64BestEffortOrNull(
            nullIf(JSONExtractString(data, 'conversation_expires_at'), ''), 3, 'UTC'
        ) as conversation_expires_at,
        'webhook' as received_via,
        event_id,
        event_time as received_at,
        {{ load_metadata() }}
    from source
    where event_type like 'message.status.%'
),

final as (
    select * from renamed
)

select * from final
