{{ config(severity='warn', meta={"dagster": {"ref": {"name": "fct_payment_reconciliation"}}}) }}

{#- Data quality, warns only: a Razorpay line the reconciliation cannot place - a second line for a payment
    or refund another line already settles, or a refund line of a known payment under a refund id the
    booking system never issued. Such a line is in its settlement's net but on no row of
    fct_payment_reconciliation. -#}
with

lines as (
    select * from {{ ref('int_gateway_lines__matched') }}
),

final as (
    select
        tenant_id,
        settlement_id,
        entity_id,
        line_type,
        payment_id,
        net_paise
    from lines
    where line_role = 'unattached'
)

select * from final
