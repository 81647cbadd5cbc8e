{#- One row per Razorpay settlement (one per branch per settlement day): what it paid out and why.
    net = sum(credit) - sum(debit) over all its lines = gross - fee - tax - refunds + adjustments. -#}
with

lines as (
    select * from {{ ref('int_gateway_lines__matched') }}
    where settlement_id != ''
),

line_amounts as (
    select
        tenant_id,
        settlement_id,
        settlement_utr,
        settlement_branch_id,
        settled_at,
        created_at,
        line_type,
        line_role,
        amount_paise as line_amount_paise,
        fee_excl_tax_paise as line_fee_paise,
        tax_paise as line_tax_paise,
        credit_paise as line_credit_paise,
        debit_paise as line_debit_paise,
        net_paise as line_net_paise
    from lines
),

summarised as (
    select
        tenant_id,
        settlement_id,
        minIf(settlement_utr, settlement_utr != '') as settlement_utr,
        min(settlement_branch_id) as branch_id,
        min(settled_at) as settled_at,
        max(created_at) as last_line_created_at,
        count() as line_count,
        countIf(line_type = 'payment') as payment_line_count,
        countIf(line_type = 'refund') as refund_line_count,
        countIf(line_type not in ('payment', 'refund')) as other_line_count,
        countIf(line_role = 'orphan') as orphan_line_count,
        sumIf(line_amount_paise, line_type = 'payment') as gross_paise,
        sum(line_fee_paise) as fee_paise,
        sum(line_tax_paise) as tax_paise,
        sumIf(line_amount_paise, line_type = 'refund') as refund_paise,
        sumIf(line_net_paise, line_type not in ('payment', 'refund')) as adjustment_paise,
        sum(line_credit_paise) as credit_paise,
        sum(line_debit_paise) as debit_paise,
        sum(line_credit_paise) - sum(line_debit_paise) as net_paise
    from line_amounts
    group by tenant_id, settlement_id
),

final as (
    select
        tenant_id,
        settlement_id,
        settlement_utr,
        branch_id,
        settled_at,
        {{ ist_date('coalesce(settled_at, last_line_created_at)') }} as settlement_date,
        line_count,
        payment_line_count,
        refund_line_count,
        other_line_count,
        orphan_line_count,
        gross_paise,
        fee_paise,
        tax_paise,
        refund_paise,
        adjustment_paise,
        credit_paise,
        debit_paise,
        net_paise
    from summarised
)

select * from final
