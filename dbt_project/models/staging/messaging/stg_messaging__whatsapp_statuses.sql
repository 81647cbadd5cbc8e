with

source as (
    {{ committed_rows(source('messaging', 'whatsapp_message_statuses')) }}
),

renamed as (
    select
        tenant_id,
        'whatsapp' as channel,
        'meta' as provider,
        provider_message_id,
        status,
        provider_status,
        toDateTime64(status_time, 3, 'UTC') as status_at,
        recipient_masked,
        error_code,
        error_title,
        pricing_category,
        cast(pricing_billable as Nullable(Bool)) as pricing_billable,
        conversation_id,
        conversation_origin,
        cast(conversation_expires_at as Nullable(DateTime64(3, 'UTC'))) as conversation_expires_at,
        'file' as received_via,
        waba_id,
        phone_number_id,
        recipient_type,
        pricing_model,
        callback_data,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
