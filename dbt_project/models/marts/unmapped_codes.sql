{{
    config(
        engine='MergeTree()',
        order_by='(tenant_id, feed, code_kind, unmapped_code)',
    )
}}

{#- Every HIS code the mapping tables do not map yet, per feed: rebuilt in full on every run, so a mapping
    row loaded later resolves the code (and it leaves this table) on the next run. Nothing is dropped: the
    events keep the code, and fct_adt_events shows them with an empty mapped column meanwhile. Service
    codes come with the billing handoff's charge lines (fct_bill_lines shows them unmapped meanwhile); ADT
    events carry none. -#}
with

events as (
    select * from {{ ref('int_adt_events__mapped') }}
),

charge_lines as (
    select * from {{ ref('int_charge_lines__mapped') }}
),

adt_codes as (
    select
        tenant_id,
        wire_format,
        'patient_identity' as code_kind,
        patient_mrn as unmapped_code,
        message_id,
        sender,
        message_time,
        loaded_at
    from events
    where patient_mrn != '' and patient_id = ''
    union all
    select
        tenant_id,
        wire_format,
        'provider' as code_kind,
        attending_doctor as unmapped_code,
        message_id,
        sender,
        message_time,
        loaded_at
    from events
    where attending_doctor != '' and doctor_id = ''
    union all
    select
        tenant_id,
        wire_format,
        'department' as code_kind,
        department as unmapped_code,
        message_id,
        sender,
        message_time,
        loaded_at
    from events
    where department != '' and department_name = ''
    union all
    select
        tenant_id,
        wire_format,
        'ward' as code_kind,
        ward_code as unmapped_code,
        message_id,
        sender,
        message_time,
        loaded_at
    from events
    where ward_code != '' and ward_name = ''
),

codes as (
    select
        tenant_id,
        concat('adt_', wire_format) as feed,
        code_kind,
        unmapped_code,
        message_id,
        sender,
        message_time,
        loaded_at
    from adt_codes
    union all
    select
        tenant_id,
        concat('billing_', wire_format) as feed,
        'service' as code_kind,
        service_code as unmapped_code,
        message_id,
        sender,
        message_time,
        loaded_at
    from charge_lines
    where is_service_line and not is_service_mapped
),

final as (
    select
        cast(tenant_id as String) as tenant_id,
        cast(feed as String) as feed,
        cast(code_kind as String) as code_kind,
        cast(unmapped_code as String) as unmapped_code,
        cast(min(loaded_at) as DateTime64(3, 'UTC')) as first_seen_at,
        cast(min(message_time) as DateTime64(3, 'UTC')) as first_message_at,
        cast(max(message_time) as DateTime64(3, 'UTC')) as last_message_at,
        cast(count() as Int64) as event_count,
        cast(argMin(message_id, (message_time, message_id)) as String) as example_message_id,
        cast(argMin(sender, (message_time, message_id)) as String) as example_sender
    from codes
    group by tenant_id, feed, code_kind, unmapped_code
    order by tenant_id, feed, code_kind, unmapped_code
)

select * from final
