{#- The status-history shape every message-status staging model ends in (the `message.status.*` event's
    fields, ingestion/message_sql.py status_columns, plus where the row came from); int_message_statuses__unioned
    unions the four on it. -#}
{% macro message_status_columns() -%}
    tenant_id,
    channel,
    provider,
    provider_message_id,
    status,
    provider_status,
    status_at,
    recipient_masked,
    error_code,
    error_title,
    pricing_category,
    pricing_billable,
    conversation_id,
    conversation_origin,
    conversation_expires_at,
    received_via
{%- endmacro %}
