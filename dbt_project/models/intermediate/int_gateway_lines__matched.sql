{#- A table, not a view: several downstream models read it, and computing it once keeps the build fast
    at a million payments. Not incremental: a line's row depends on its whole settlement (the branch vote),
    its entity's other lines and the payment, refund and booking it names; scoping a run to the lines new
    batches touch took more CTEs than the model itself, and ClickHouse inlines every CTE each time it is
    referenced, so the scoped run measured no faster than the full one. It reads the incremental
    int_payments__deduplicated. -#}
{{
    config(
        materialized='table',
        engine='MergeTree()',
        order_by='(tenant_id, settlement_id, entity_id)',
    )
}}

{#- Every Razorpay settlement line, tied to the booking-system payment or refund it settles and to a
    branch. line_role says what the reconciliation does with the line:
      payment / refund - the line of a known payment / refund (the first, if several carry it);
      orphan           - matches no payment or refund known to the bookings (a payment line with an unknown
                         entity_id, a refund line whose refund and payment are both unknown, any
                         adjustment or transfer line);
      unattached       - names a known payment or refund that another line already settles, or is a refund
                         line of a known payment whose refund id is unknown.
    Branch of a line: its booking's branch, else the payment's branch, else `branch_id` in the line's
    notes, else the branch of the rest of its settlement (one settlement per branch). -#}
with

lines as (
    select * from {{ ref('int_settlement_lines__unioned') }}
),

payments as (
    select * from {{ ref('int_payments__deduplicated') }}
),

refunds as (
    select * from {{ ref('int_refunds__deduplicated') }}
),

appointments as (
    select * from {{ ref('stg_booking__appointments') }}
),

known_payments as (
    select
        tenant_id,
        payment_id,
        toNullable(payment_id) as known_payment_id,
        toNullable(booking_id) as payment_booking_id,
        toNullable(branch_id) as payment_branch_id
    from payments
),

known_refunds as (
    select
        tenant_id,
        refund_id,
        toNullable(refund_id) as known_refund_id
    from refunds
),

ranked_bookings as (
    select
        tenant_id,
        booking_id,
        toNullable(branch_id) as booking_branch_id,
        row_number() over (partition by tenant_id, booking_id order by booked_at, event_id) as booking_rank
    from appointments
    where branch_id != ''
),

booking_branches as (
    select * from ranked_bookings
    where booking_rank = 1
),

keyed_lines as (
    select
        *,
        if(line_type = 'payment', entity_id, '') as payment_key,
        if(line_type = 'refund', entity_id, '') as refund_key,
        if(line_type = 'refund', payment_id, '') as refunded_payment_key
    from lines
),

matched as (
    select
        keyed_lines.tenant_id as tenant_id,
        keyed_lines.gateway as gateway,
        keyed_lines.settlement_id as settlement_id,
        keyed_lines.entity_id as entity_id,
        keyed_lines.line_type as line_type,
        keyed_lines.settlement_utr as settlement_utr,
        keyed_lines.settled_at as settled_at,
        keyed_lines.created_at as created_at,
        keyed_lines.amount_paise as amount_paise,
        keyed_lines.credit_paise as credit_paise,
        keyed_lines.debit_paise as debit_paise,
        keyed_lines.net_paise as net_paise,
        keyed_lines.fee_incl_tax_paise as fee_incl_tax_paise,
        keyed_lines.fee_excl_tax_paise as fee_excl_tax_paise,
        keyed_lines.tax_paise as tax_paise,
        keyed_lines.payment_id as payment_id,
        keyed_lines.order_id as order_id,
        keyed_lines.method as method,
        keyed_lines.notes_booking_id as notes_booking_id,
        keyed_lines.notes_branch_id as notes_branch_id,
        keyed_lines.source_file as source_file,
        keyed_lines.source_line as source_line,
        entity_payment.known_payment_id as matched_payment_id,
        entity_refund.known_refund_id as matched_refund_id,
        refunded_payment.known_payment_id as refunded_payment_id,
        coalesce(
            entity_payment.payment_booking_id,
            refunded_payment.payment_booking_id,
            nullIf(keyed_lines.notes_booking_id, '')
        ) as resolved_booking_id,
        coalesce(entity_payment.payment_branch_id, refunded_payment.payment_branch_id) as payment_branch_id
    from keyed_lines
    left join known_payments as entity_payment
        on
            keyed_lines.tenant_id = entity_payment.tenant_id
            and keyed_lines.payment_key = entity_payment.payment_id
    left join known_refunds as entity_refund
        on
            keyed_lines.tenant_id = entity_refund.tenant_id
            and keyed_lines.refund_key = entity_refund.refund_id
    left join known_payments as refunded_payment
        on
            keyed_lines.tenant_id = refunded_payment.tenant_id
            and keyed_lines.refunded_payment_key = refunded_payment.payment_id
),

with_branch as (
    select
        matched.*,
        booking_branches.booking_branch_id,
        coalesce(
            booking_branches.booking_branch_id,
            matched.payment_branch_id,
            nullIf(matched.notes_branch_id, '')
        ) as direct_branch_id,
        multiIf(
            booking_branches.booking_branch_id is not null, 'booking',
            matched.payment_branch_id is not null, 'payment',
            matched.notes_branch_id != '', 'notes',
            'settlement'
        ) as direct_branch_source,
        coalesce(matched.matched_payment_id, matched.matched_refund_id) as matched_entity_id
    from matched
    left join booking_branches
        on
            matched.tenant_id = booking_branches.tenant_id
            and matched.resolved_booking_id = booking_branches.booking_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by tenant_id, line_type, matched_entity_id
            order by settlement_id = '', settled_at, settlement_id, source_file, source_line
        ) as entity_line_rank
    from with_branch
),

settlement_branch_votes as (
    select
        tenant_id,
        settlement_id,
        assumeNotNull(direct_branch_id) as branch_id,
        count() as line_count
    from ranked
    where direct_branch_id is not null and settlement_id != ''
    group by tenant_id, settlement_id, branch_id
),

ranked_votes as (
    select
        tenant_id,
        settlement_id,
        toNullable(branch_id) as settlement_branch_id,
        row_number() over (
            partition by tenant_id, settlement_id order by line_count desc, branch_id asc
        ) as vote_rank
    from settlement_branch_votes
),

settlement_branches as (
    select * from ranked_votes
    where vote_rank = 1
),

final as (
    select
        ranked.tenant_id as tenant_id,
        ranked.gateway as gateway,
        ranked.settlement_id as settlement_id,
        ranked.entity_id as entity_id,
        ranked.line_type as line_type,
        multiIf(
            ranked.matched_payment_id is not null and ranked.entity_line_rank = 1, 'payment',
            ranked.matched_refund_id is not null and ranked.entity_line_rank = 1, 'refund',
            ranked.matched_entity_id is not null or ranked.refunded_payment_id is not null, 'unattached',
            'orphan'
        ) as line_role,
        ranked.matched_entity_id as matched_entity_id,
        coalesce(ranked.resolved_booking_id, '') as booking_id,
        coalesce(ranked.direct_branch_id, settlement_branches.settlement_branch_id, '') as branch_id,
        if(
            ranked.direct_branch_id is null and settlement_branches.settlement_branch_id is null,
            '',
            ranked.direct_branch_source
        ) as branch_source,
        coalesce(settlement_branches.settlement_branch_id, '') as settlement_branch_id,
        ranked.settlement_utr as settlement_utr,
        ranked.settled_at as settled_at,
        ranked.created_at as created_at,
        ranked.amount_paise as amount_paise,
        ranked.credit_paise as credit_paise,
        ranked.debit_paise as debit_paise,
        ranked.net_paise as net_paise,
        ranked.fee_incl_tax_paise as fee_incl_tax_paise,
        ranked.fee_excl_tax_paise as fee_excl_tax_paise,
        ranked.tax_paise as tax_paise,
        ranked.payment_id as payment_id,
        ranked.order_id as order_id,
        ranked.method as method,
        ranked.notes_booking_id as notes_booking_id,
        ranked.notes_branch_id as notes_branch_id,
        ranked.source_file as source_file,
        ranked.source_line as source_line
    from ranked
    left join settlement_branches
        on
            ranked.tenant_id = settlement_branches.tenant_id
            and ranked.settlement_id = settlement_branches.settlement_id
)

select * from final
