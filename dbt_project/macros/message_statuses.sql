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


{#- A status table's renamed columns in that shape (every raw status table has the `message.status.*`
    fields under the same names; only WhatsApp's carries pricing and conversation). -#}
{% macro status_history_renamed(channel, provider, with_conversation=false) -%}
    tenant_id,
    '{{ channel }}' as channel,
    '{{ provider }}' as provider,
    provider_message_id,
    status,
    provider_status,
    toDateTime64(status_time, 3, 'UTC') as status_at,
    recipient_masked,
    error_code,
    error_title,
    {% if with_conversation -%}
    pricing_category,
    cast(pricing_billable as Nullable(Bool)) as pricing_billable,
    conversation_id,
    conversation_origin,
    cast(conversation_expires_at as Nullable(DateTime64(3, 'UTC'))) as conversation_expires_at,
    {%- else -%}
    cast(null as Nullable(String)) as pricing_category,
    cast(null as Nullable(Bool)) as pricing_billable,
    cast(null as Nullable(String)) as conversation_id,
    cast(null as Nullable(String)) as conversation_origin,
    cast(null as Nullable(DateTime64(3, 'UTC'))) as conversation_expires_at,
    {%- endif %}
    'file' as received_via
{%- endmacro %}
