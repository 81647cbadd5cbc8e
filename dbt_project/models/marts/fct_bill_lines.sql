{{
    config(
        engine='MergeTree()',
        order_by='(tenant_id, sender, message_id, line_number)',
    )
}}

{#- One row per charge line of the HIS's bills, after dedup (a re-sent message once), with its service
    mapped to the catalog and its episode linked by the visit number (int_charge_lines__mapped). -#}
with

lines as (
    select * from {{ ref('int_charge_lines__mapped') }}
),

final as (
    select
        cast(tenant_id as String) as tenant_id,
        cast(sender as String) as sender,
        cast(message_id as String) as message_id,
        cast(line_number as Int64) as line_number,
        cast(episode_id as String) as episode_id,
        cast(link_status as String) as link_status,
        cast(visit_number as String) as visit_number,
        cast(mrn as String) as patient_mrn,
        cast(bill_number as String) as bill_number,
        cast(bill_kind as String) as bill_kind,
        cast(transaction_id as String) as transaction_id,
        cast(transaction_time as DateTime64(3, 'UTC')) as transaction_at,
        cast(transaction_time as DateTime64(3, 'Asia/Kolkata')) as transaction_at_ist,
        cast(transaction_type as String) as transaction_type,
        cast(service_code as String) as service_code,
        cast(service_coding_system as String) as service_coding_system,
        cast(service_id as String) as service_id,
        cast(is_service_line as Bool) as is_service_line,
        cast(is_service_mapped as Bool) as is_service_mapped,
        cast(catalog_fee_paise as Nullable(Int64)) as catalog_fee_paise,
        cast(quantity as Decimal(18, 3)) as quantity,
        cast(amount_paise as Int64) as amount_paise,
        cast(unit_amount_paise as Nullable(Int64)) as unit_amount_paise,
        cast(bill_effect_paise as Int64) as bill_effect_paise,
        cast(paid_paise as Int64) as paid_paise,
        cast(department as String) as department,
        cast(performing_doctor as String) as performing_doctor,
        cast(ordering_doctor as String) as ordering_doctor,
        cast(message_time as DateTime64(3, 'UTC')) as message_time,
        cast(wire_format as String) as wire_format,
        cast(copies_received as Int64) as copies_received
    from lines
    order by tenant_id, sender, message_id, line_number
)

select * from final
