with

source as (
    {{ committed_rows(source('messaging', 'email_events')) }}
),

renamed as (
    select
        tenant_id,
        'email' as channel,
        'sendgrid' as provider,
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
        event_id,
        sg_message_id,
        bounce_type,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
