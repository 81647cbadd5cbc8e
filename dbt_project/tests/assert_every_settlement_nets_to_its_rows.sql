{{ config(meta={
    "description": "Every rupee of a settlement lands on a reconciliation row: per settlement, the net of the rows it carries equals its net from its gateway lines. Failing rows are the settlements that disagree.",
    "dagster": {"ref": {"name": "fct_payment_reconciliation"}}}) }}

{#- Every rupee of a settlement lands on a row: for each settlement, the net of the reconciliation rows it
    carries (payments, refunds and gateway lines) equals the settlement's net from its lines. A gateway line
    on no row (or on two) makes its settlement disagree. Returns the settlements that do. -#}
with

settlements as (
    select * from {{ ref('int_settlements__bank_matched') }}
),

reconciliation as (
    select * from {{ ref('fct_payment_reconciliation') }}
    where settlement_id is not null
),

row_nets as (
    select
        tenant_id,
        assumeNotNull(settlement_id) as settlement_id,
        sum(coalesce(net_settled_paise, 0)) as rows_net_paise
    from reconciliation
    group by tenant_id, settlement_id
),

final as (
    select
        settlements.tenant_id as tenant_id,
        settlements.settlement_id as settlement_id,
        settlements.net_paise as settlement_net_paise,
        coalesce(row_nets.rows_net_paise, 0) as rows_net_paise
    from settlements
    left join row_nets
        on
            settlements.tenant_id = row_nets.tenant_id
            and settlements.settlement_id = row_nets.settlement_id
    where settlements.net_paise != coalesce(row_nets.rows_net_paise, 0)
)

select * from final
