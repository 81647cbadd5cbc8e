{{ config(meta={
    "description": "Every settlement's net equals its raw Razorpay lines' credit minus debit, and the branch daily summary adds up to the same. Failing rows are the settlements (or the total) that disagree.",
    "dagster": {"ref": {"name": "fct_branch_daily_settlements"}}}) }}

{#- Every settlement's net equals sum(credit) - sum(debit) over its raw Razorpay lines (a Dashboard
    download's `settlement` summary rows are not lines), and the branch daily summary adds up to the same.
    Returns the settlements (or the total) that disagree. -#}
with

lines as (
    select * from {{ ref('int_settlement_lines__unioned') }}
    where settlement_id != ''
),

settlements as (
    select * from {{ ref('int_settlements__bank_matched') }}
),

daily as (
    select * from {{ ref('fct_branch_daily_settlements') }}
),

line_nets as (
    select
        tenant_id,
        settlement_id,
        sum(credit_paise) - sum(debit_paise) as lines_net_paise
    from lines
    group by tenant_id, settlement_id
),

per_settlement as (
    select
        line_nets.settlement_id as settlement_id,
        line_nets.lines_net_paise as lines_net_paise,
        settlements.net_paise as reported_net_paise
    from line_nets
    left join settlements
        on
            line_nets.tenant_id = settlements.tenant_id
            and line_nets.settlement_id = settlements.settlement_id
),

totals as (
    select
        'all settlements (fct_branch_daily_settlements)' as settlement_id,
        (select sum(lines_net_paise) from line_nets) as lines_net_paise,
        (select sum(net_paise) from daily) as reported_net_paise
),

final as (
    select * from per_settlement
    where reported_net_paise is null or reported_net_paise != lines_net_paise
    union all
    select * from totals
    where coalesce(reported_net_paise, 0) != coalesce(lines_net_paise, 0)
)

select * from final
