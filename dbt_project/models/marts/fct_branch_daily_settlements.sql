{{
    config(
        engine='MergeTree()',
        order_by='(tenant_id, branch_id, settlement_date)',
    )
}}

{#- Razorpay payouts per branch and IST settlement day, against what the bank credited. -#}
with

settlements as (
    select * from {{ ref('int_settlements__bank_matched') }}
),

daily as (
    select
        tenant_id,
        branch_id,
        settlement_date,
        count() as settlement_count,
        arraySort(groupArray((settlement_id, settlement_utr))) as settlements_sorted,
        arrayStringConcat(arrayMap(s -> s.1, settlements_sorted), ',') as settlement_ids,
        arrayStringConcat(arrayMap(s -> s.2, settlements_sorted), ',') as settlement_utrs,
        sum(payment_line_count) as payment_line_count,
        sum(refund_line_count) as refund_line_count,
        sum(other_line_count) as other_line_count,
        sum(gross_paise) as gross_paise,
        sum(fee_paise) as fee_paise,
        sum(tax_paise) as tax_paise,
        sum(refund_paise) as refund_paise,
        sum(adjustment_paise) as adjustment_paise,
        sum(net_paise) as net_paise,
        sum(bank_credited_paise) as bank_credited_paise,
        minOrNull(bank_credit_date) as bank_credit_date,
        countIf(not is_bank_matched) as bank_unmatched_settlement_count
    from settlements
    group by tenant_id, branch_id, settlement_date
),

final as (
    select
        cast(tenant_id as String) as tenant_id,
        cast(branch_id as String) as branch_id,
        cast(settlement_date as Date) as settlement_date,
        cast(settlement_count as Int64) as settlement_count,
        cast(settlement_ids as String) as settlement_id,
        cast(settlement_utrs as String) as settlement_utr,
        cast(payment_line_count as Int64) as payment_line_count,
        cast(refund_line_count as Int64) as refund_line_count,
        cast(other_line_count as Int64) as other_line_count,
        cast(gross_paise as Int64) as gross_paise,
        cast(fee_paise as Int64) as fee_paise,
        cast(tax_paise as Int64) as tax_paise,
        cast(refund_paise as Int64) as refund_paise,
        cast(adjustment_paise as Int64) as adjustment_paise,
        cast(net_paise as Int64) as net_paise,
        cast(bank_credited_paise as Int64) as bank_credited_paise,
        cast(bank_credited_paise - net_paise as Int64) as difference_paise,
        cast(bank_credit_date as Nullable(Date)) as bank_credit_date,
        cast(bank_unmatched_settlement_count = 0 as Bool) as is_bank_matched
    from daily
    order by tenant_id, branch_id, settlement_date
)

select * from final
