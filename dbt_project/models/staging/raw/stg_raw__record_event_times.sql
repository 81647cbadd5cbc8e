{#- Generated from the feed specs' `event_time` by `python -m ingestion.spec_artifacts write`; edit the
    specs, not this file. Each committed record whose event time is known, with its load time. -#}
with

razorpay_settlement_lines as (
    select
        'razorpay_settlements' as feed,
        toDateTime64(settled_at, 3, 'UTC') as event_at,
        _loaded_at as loaded_at
    from ({{ committed_rows(source('razorpay', 'razorpay_settlement_lines')) }})
    where settled_at is not null
),

gateway_settlement_lines as (
    select
        'gateway_settlements' as feed,
        toDateTime64(settled_at, 3, 'UTC') as event_at,
        _loaded_at as loaded_at
    from ({{ committed_rows(source('gateways', 'gateway_settlement_lines')) }})
    where settled_at is not null
),

razorpay_refund_statuses as (
    select
        'razorpay_refund_status' as feed,
        toDateTime64(checked_at, 3, 'UTC') as event_at,
        _loaded_at as loaded_at
    from ({{ committed_rows(source('razorpay', 'razorpay_refund_statuses')) }})
    where checked_at is not null
),

bank_statement_lines as (
    select
        'bank_statements' as feed,
        toDateTime64(toDateTime(txn_date, 'Asia/Kolkata'), 3, 'UTC') as event_at,
        _loaded_at as loaded_at
    from ({{ committed_rows(source('bank', 'bank_statement_lines')) }})
    where txn_date is not null
),

adt_hl7_events as (
    select
        'adt_hl7' as feed,
        toDateTime64(event_time, 3, 'UTC') as event_at,
        _loaded_at as loaded_at
    from ({{ committed_rows(source('adt', 'adt_hl7_events')) }})
    where event_time is not null
),

adt_csv_events as (
    select
        'adt_csv' as feed,
        toDateTime64(event_time, 3, 'UTC') as event_at,
        _loaded_at as loaded_at
    from ({{ committed_rows(source('adt', 'adt_csv_events')) }})
    where event_time is not null
),

adt_fhir_events as (
    select
        'adt_fhir' as feed,
        toDateTime64(event_time, 3, 'UTC') as event_at,
        _loaded_at as loaded_at
    from ({{ committed_rows(source('adt', 'adt_fhir_events')) }})
    where event_time is not null
),

hl7_charge_lines as (
    select
        'billing_hl7' as feed,
        toDateTime64(transaction_time, 3, 'UTC') as event_at,
        _loaded_at as loaded_at
    from ({{ committed_rows(source('billing', 'hl7_charge_lines')) }})
    where transaction_time is not null
),

csv_charge_lines as (
    select
        'billing_csv' as feed,
        toDateTime64(transaction_time, 3, 'UTC') as event_at,
        _loaded_at as loaded_at
    from ({{ committed_rows(source('billing', 'csv_charge_lines')) }})
    where transaction_time is not null
),

claims_tpa_events as (
    select
        'claims_tpa' as feed,
        toDateTime64(event_time, 3, 'UTC') as event_at,
        _loaded_at as loaded_at
    from ({{ committed_rows(source('claims', 'claims_tpa_events')) }})
    where event_time is not null
),

claims_nhcx_events as (
    select
        'claims_nhcx' as feed,
        toDateTime64(event_time, 3, 'UTC') as event_at,
        _loaded_at as loaded_at
    from ({{ committed_rows(source('claims', 'claims_nhcx_events')) }})
    where event_time is not null
),

claims_documents as (
    select
        'claims_documents' as feed,
        toDateTime64(attached_at, 3, 'UTC') as event_at,
        _loaded_at as loaded_at
    from ({{ committed_rows(source('claims', 'claims_documents')) }})
    where attached_at is not null
),

whatsapp_message_statuses as (
    select
        'whatsapp_statuses' as feed,
        toDateTime64(status_time, 3, 'UTC') as event_at,
        _loaded_at as loaded_at
    from ({{ committed_rows(source('messaging', 'whatsapp_message_statuses')) }})
    where status_time is not null
),

sms_delivery_reports as (
    select
        'sms_delivery_reports' as feed,
        toDateTime64(status_time, 3, 'UTC') as event_at,
        _loaded_at as loaded_at
    from ({{ committed_rows(source('messaging', 'sms_delivery_reports')) }})
    where status_time is not null
),

email_events as (
    select
        'email_events' as feed,
        toDateTime64(status_time, 3, 'UTC') as event_at,
        _loaded_at as loaded_at
    from ({{ committed_rows(source('messaging', 'email_events')) }})
    where status_time is not null
),

unioned as (
    select * from razorpay_settlement_lines
    union all
    select * from gateway_settlement_lines
    union all
    select * from razorpay_refund_statuses
    union all
    select * from bank_statement_lines
    union all
    select * from adt_hl7_events
    union all
    select * from adt_csv_events
    union all
    select * from adt_fhir_events
    union all
    select * from hl7_charge_lines
    union all
    select * from csv_charge_lines
    union all
    select * from claims_tpa_events
    union all
    select * from claims_nhcx_events
    union all
    select * from claims_documents
    union all
    select * from whatsapp_message_statuses
    union all
    select * from sms_delivery_reports
    union all
    select * from email_events
),

final as (
    select
        feed,
        toDateTime64(assumeNotNull(event_at), 3, 'UTC') as event_at,
        toDateTime64(loaded_at, 3, 'UTC') as loaded_at
    from unioned
)

select * from final
