with

source as (
    {{ committed_rows(source('booking', 'booking_events')) }}
),

renamed as (
    select
        event_id,
        tenant_id,
        branch_id,
        replaceOne(event_type, 'message.', '') as lifecycle_step,
        subject as message_id,
        nullIf(JSONExtractString(data, 'booking_id'), '') as booking_id,
        nullIf(JSONExtractString(data, 'patient_id'), '') as patient_id,
        nullIf(JSONExtractString(data, 'channel'), '') as channel,
        nullIf(JSONExtractString(data, 'provider'), '') as provider,
        nullIf(JSONExtractString(data, 'template'), '') as template,
        nullIf(JSONExtractString(data, 'language'), '') as language,
        nullIf(JSONExtractString(data, 'purpose'), '') as purpose,
        nullIf(JSONExtractString(data, 'recipient_masked'), '') as recipient_masked,
        parseDateTime64BestEffortOrNull(JSONExtractString(data, 'scheduled_for'), 3, 'UTC') as scheduled_for,
        parseDateTime64BestEffortOrNull(
            JSONExtractString(data, 'deferred_until'), 3, 'UTC'
        ) as deferred_until,
        nullIf(JSONExtractString(data, 'reason'), '') as reason,
        nullIf(JSONExtractString(data, 'provider_message_id'), '') as provider_message_id,
        if(
            JSONHas(data, 'attempt'),
            toNullable(toInt32(JSONExtractInt(data, 'attempt'))),
            if(JSONHas(data, 'attempts'), toNullable(toInt32(JSONExtractInt(data, 'attempts'))), null)
        ) as attempt,
        parseDateTime64BestEffortOrNull(JSONExtractString(data, 'sent_at'), 3, 'UTC') as sent_at,
        if(
            JSONType(data, 'segments') in ('Int64', 'UInt64'),
            toNullable(toInt32(JSONExtractInt(data, 'segments'))),
            null
        ) as segments,
        nullIf(JSONExtractString(data, 'error_code'), '') as error_code,
        if(JSONHas(data, 'retryable'), toNullable(JSONExtractBool(data, 'retryable')), null) as is_retryable,
        if(
            JSONType(data, 'retry_after_seconds') in ('Int64', 'UInt64'),
            toNullable(toInt32(JSONExtractInt(data, 'retry_after_seconds'))),
            null
        ) as retry_after_seconds,
        event_time as event_at,
        {{ load_metadata() }}
    from source
    -- the outbound lifecycle only: providers' status reports (`message.status.*`) and opt-outs have their own
    where
        event_type like 'message.%'
        and event_type not like 'message.status.%'
        and event_type != 'message.opted_out'
),

final as (
    select * from renamed
)

select * from final
