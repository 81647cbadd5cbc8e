{{ config(meta={
    "description": "fct_payment_reconciliation holds one row per captured payment, one per refund initiated and one per gateway line no payment or refund carries. Failing rows are the entity types whose count is off.",
    "dagster": {"ref": {"name": "fct_payment_reconciliation"}}}) }}

{#- fct_payment_reconciliation holds exactly one row per captured payment, one per refund initiated, and one
    per gateway line no payment or refund row carries (orphan or unattached) - no more, no fewer. Returns a row per entity_type whose count is off. -#}
with

payments as (
    select uniqExact(tenant_id, payment_id) as expected_rows
    from {{ ref('stg_booking__payments') }}
),

refunds as (
    select uniqExact(tenant_id, refund_id) as expected_rows
    from {{ ref('stg_booking__refunds') }}
),

orphans as (
    select count() as expected_rows
    from {{ ref('int_gateway_lines__matched') }}
    where line_role in ('orphan', 'unattached')
),

expected as (
    select
        'payment' as entity_type,
        expected_rows
    from payments
    union all
    select
        'refund' as entity_type,
        expected_rows
    from refunds
    union all
    select
        'gateway_line' as entity_type,
        expected_rows
    from orphans
),

actual as (
    select
        entity_type,
        count() as actual_rows
    from {{ ref('fct_payment_reconciliation') }}
    group by entity_type
),

final as (
    select
        expected.entity_type as entity_type,
        expected.expected_rows as expected_rows,
        coalesce(actual.actual_rows, 0) as actual_rows
    from expected
    left join actual on expected.entity_type = actual.entity_type
    where expected.expected_rows != coalesce(actual.actual_rows, 0)
)

select * from final
