with

source as (
    {{ committed_rows(source('messaging', 'sms_delivery_reports')) }}
),

renamed as (
    select
        tenant_id,
        'sms' as channel,
        'msg91' as provider,
        provider_message_id,
        status,
        provider_status,
        toDateTime64(status_time, 3, 'UTC') as status_at,
        recipient_masked,
        error_code,
        error_title,
        cast(null as Nullable(String)) as pricing_category,
        cast(null as Nullable(Bool)) as pricing_billable,
        cast(null as Nullable(String)) as conversation_id,
        cast(null as Nullable(String)) as conversation_origin,
        cast(null as Nullable(DateTime64(3, 'UTC'))) as conversation_expires_at,
        'file' as received_via,
        status_code,
        sender_id,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
