{{ config(severity='warn', meta={
    "description": "Warns on captured payments whose gateway and method have no contract row, so their expected fee, settlement cycle and refund SLA are unknown (add the row to reference/gateway_contract.csv).",
    "dagster": {"ref": {"name": "int_payments__deduplicated"}}}) }}

{#- Data quality, warns only: captured payments whose gateway and method have no contract row, so their
    expected fee, settlement cycle and refund SLA are unknown. -#}
with

payments as (
    select * from {{ ref('int_payments__deduplicated') }}
),

contracts as (
    select * from {{ ref('int_gateway_contracts__deduplicated') }}
),

final as (
    select
        payments.tenant_id as tenant_id,
        payments.gateway as gateway,
        payments.method as method,
        count() as payment_count
    from payments
    left anti join contracts
        on
            payments.tenant_id = contracts.tenant_id
            and payments.gateway = contracts.gateway
            and payments.method = contracts.method
    group by payments.tenant_id, payments.gateway, payments.method
)

select * from final
