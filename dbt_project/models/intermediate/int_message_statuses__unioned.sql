{#- Every provider status of every message, whichever way it came (the booking service's webhooks, or a
    provider's file drop), in one status-history shape. A status that came both ways (or twice) is one row:
    its identity is the provider, the message, the provider's status word, its time and the recipient.
    SendGrid's open and click events carry no smtp-id: they are tied to the message through the file rows
    that carry both ids (sg_message_id -> smtp-id). -#}
with

webhooks as (
    select {{ message_status_columns() }}
    from {{ ref('stg_booking__message_statuses') }}
),

whatsapp_files as (
    select {{ message_status_columns() }}
    from {{ ref('stg_messaging__whatsapp_statuses') }}
),

sms_files as (
    select {{ message_status_columns() }}
    from {{ ref('stg_messaging__sms_delivery_reports') }}
),

email_files as (
    select {{ message_status_columns() }}
    from {{ ref('stg_messaging__email_events') }}
),

email_links as (
    select
        sg_message_id,
        any(provider_message_id) as smtp_message_id
    from {{ ref('stg_messaging__email_events') }}
    where provider_message_id != sg_message_id
    group by sg_message_id
),

unioned as (
    select * from webhooks
    union all
    select * from whatsapp_files
    union all
    select * from sms_files
    union all
    select * from email_files
),

linked as (
    select
        unioned.tenant_id,
        unioned.channel,
        unioned.provider,
        if(
            unioned.provider = 'sendgrid' and email_links.smtp_message_id != '',
            email_links.smtp_message_id,
            unioned.provider_message_id
        ) as provider_message_id,
        unioned.status,
        unioned.provider_status,
        unioned.status_at,
        unioned.recipient_masked,
        unioned.error_code,
        unioned.error_title,
        unioned.pricing_category,
        unioned.pricing_billable,
        unioned.conversation_id,
        unioned.conversation_origin,
        unioned.conversation_expires_at,
        unioned.received_via
    from unioned
    left join email_links
        on unioned.provider_message_id = email_links.sg_message_id
),

ranked as (
    select
        *,
        multiIf(status = 'sent', 1, status = 'delivered', 2, status = 'read', 3, 0) as status_rank,
        row_number() over (
            partition by
                tenant_id, provider, provider_message_id, provider_status, status_at, recipient_masked
            order by received_via desc
        ) as copy_number
    from linked
),

final as (
    select * except (copy_number)
    from ranked
    where copy_number = 1
)

select * from final
