{#- Every refund initiated in the booking system with its reconciliation status, first rule that applies
    wins: in_transit / settlement_overdue (against the refund SLA) > amount_mismatch > fee_mismatch (a
    refund carries no fee or GST) > bank_unmatched > matched (docs/reconciliation.md). The latest answer
    Razorpay gave about the refund (the refund status check) says why an overdue refund is overdue. -#}
with

refunds as (
    select * from {{ ref('int_refunds__deduplicated') }}
),

payments as (
    select * from {{ ref('int_payments__deduplicated') }}
),

refund_lines as (
    select * from {{ ref('int_gateway_lines__bank_matched') }}
    where line_role = 'refund'
),

contracts as (
    select * from {{ ref('int_gateway_contracts__deduplicated') }}
),

as_of as (
    select * from {{ ref('int_as_of_date__resolved') }}
),

gateway_answers as (
    select * from {{ ref('stg_razorpay__refund_statuses') }}
),

latest_gateway_answers as (
    {#- The latest answer per refund, taken whole as one tuple (argMax would skip a latest NULL ARN
        alone); nullable so a refund never asked about gets NULLs from the left join. -#}
    select
        tenant_id,
        refund_id,
        argMax(
            tuple(
                toNullable(gateway_answer),
                refund_status,
                arn,
                processed_at,
                toNullable(checked_at)
            ),
            tuple(checked_at, loaded_at, source_line)
        ) as latest
    from gateway_answers
    group by tenant_id, refund_id
),

gateway_statuses as (
    select
        tenant_id,
        refund_id,
        tupleElement(latest, 1) as gateway_refund_answer,
        tupleElement(latest, 2) as gateway_refund_status,
        tupleElement(latest, 3) as gateway_refund_arn,
        tupleElement(latest, 4) as gateway_refund_processed_at,
        tupleElement(latest, 5) as gateway_status_checked_at
    from latest_gateway_answers
),

refunded_payments as (
    select
        tenant_id,
        payment_id,
        toNullable(branch_id) as payment_branch_id,
        toNullable(booking_id) as payment_booking_id,
        toNullable(order_id) as payment_order_id,
        toNullable(method) as payment_method,
        toNullable(gateway) as payment_gateway
    from payments
),

contract_terms as (
    select
        tenant_id,
        gateway,
        method,
        toNullable(refund_sla_days) as refund_sla_days
    from contracts
),

joined as (
    select
        refunds.tenant_id as tenant_id,
        refunds.refund_id as refund_id,
        refunds.payment_id as payment_id,
        refunds.amount_paise as amount_paise,
        refunds.reason as reason,
        refunds.initiated_at as initiated_at,
        refunds.initiated_date as initiated_date,
        coalesce(
            refunded_payments.payment_branch_id, nullIf(refunds.branch_id, ''), ''
        ) as resolved_branch_id,
        coalesce(refunded_payments.payment_booking_id, '') as booking_id,
        coalesce(refunded_payments.payment_order_id, '') as order_id,
        coalesce(
            nullIf(refunded_payments.payment_method, ''), nullIf(refund_lines.line_method, ''), ''
        ) as method,
        coalesce(nullIf(refunded_payments.payment_gateway, ''), 'razorpay') as gateway,
        refund_lines.gateway_amount_paise as gateway_amount_paise,
        refund_lines.gateway_fee_paise as gateway_fee_paise,
        refund_lines.gateway_tax_paise as gateway_tax_paise,
        refund_lines.gateway_net_paise as gateway_net_paise,
        refund_lines.settlement_id as settlement_id,
        refund_lines.settlement_utr as settlement_utr,
        refund_lines.settled_at as settled_at,
        refund_lines.bank_credit_date as bank_credit_date,
        coalesce(refund_lines.is_bank_matched, false) as is_bank_matched,
        coalesce(refund_lines.bank_exception_reason, '') as bank_exception_reason,
        gateway_statuses.gateway_refund_answer as gateway_refund_answer,
        gateway_statuses.gateway_refund_status as gateway_refund_status,
        gateway_statuses.gateway_refund_arn as gateway_refund_arn,
        gateway_statuses.gateway_refund_processed_at as gateway_refund_processed_at,
        gateway_statuses.gateway_status_checked_at as gateway_status_checked_at,
        as_of.as_of_date as as_of_date
    from refunds
    left join refunded_payments
        on
            refunds.tenant_id = refunded_payments.tenant_id
            and refunds.payment_id = refunded_payments.payment_id
    left join refund_lines
        on
            refunds.tenant_id = refund_lines.tenant_id
            and refunds.refund_id = refund_lines.entity_id
    left join gateway_statuses
        on
            refunds.tenant_id = gateway_statuses.tenant_id
            and refunds.refund_id = gateway_statuses.refund_id
    cross join as_of
),

with_terms as (
    select
        joined.*,
        contract_terms.refund_sla_days as refund_sla_days
    from joined
    left join contract_terms
        on
            joined.tenant_id = contract_terms.tenant_id
            and joined.gateway = contract_terms.gateway
            and joined.method = contract_terms.method
),

classified as (
    select
        *,
        settlement_id is not null as is_settled,
        toInt64(dateDiff('day', initiated_date, as_of_date)) as age_days,
        addDays(initiated_date, refund_sla_days) as refund_deadline_date,
        multiIf(
            not is_settled and age_days <= refund_sla_days, 'in_transit',
            not is_settled, 'settlement_overdue',
            gateway_amount_paise != amount_paise, 'amount_mismatch',
            gateway_fee_paise != 0 or gateway_tax_paise != 0, 'fee_mismatch',
            not is_bank_matched, 'bank_unmatched',
            'matched'
        ) as status
    from with_terms
),

explained as (
    {#- What Razorpay said about an overdue refund decides what finance should do about it. -#}
    select
        *,
        concat(
            'refund initiated ', toString(initiated_date), ' IST is in no settlement after ',
            toString(age_days), ' days',
            if(
                refund_sla_days is null,
                concat(
                    ', and no gateway contract names the refund SLA for ', gateway, ' ',
                    if(method = '', 'this method', method)
                ),
                concat(
                    ', beyond the refund SLA of ', toString(refund_sla_days),
                    ' days (due by ', toString(refund_deadline_date), ')'
                )
            )
        ) as overdue_facts,
        toString({{ ist_date('gateway_status_checked_at') }}) as checked_date,
        multiIf(
            gateway_refund_answer is null,
            if(
                refund_sla_days is null, '',
                concat('; chase ', initcap(gateway), ' so the patient is paid back')
            ),
            gateway_refund_answer = 'not_found',
            concat(
                '; Razorpay has no record of this refund (asked ', checked_date, ' IST',
                '): check the refund id, and issue the refund if it was never made'
            ),
            gateway_refund_status = 'processed',
            concat(
                '; Razorpay processed this refund ',
                if(
                    gateway_refund_processed_at is null,
                    concat('by ', checked_date, ' IST'),
                    concat('on ', toString({{ ist_date('gateway_refund_processed_at') }}), ' IST')
                ),
                ' (', if(gateway_refund_arn is null, 'no ARN yet', concat('ARN ', gateway_refund_arn)),
                ') but it is in no settlement yet: ask Razorpay which settlement carries it'
            ),
            gateway_refund_status = 'failed',
            concat(
                '; Razorpay says this refund failed (asked ', checked_date, ' IST',
                '): the patient has not been paid back, issue it again'
            ),
            concat(
                '; Razorpay says this refund is ', coalesce(gateway_refund_status, 'in an unknown state'),
                ' (asked ', checked_date, ' IST', '): chase Razorpay so the patient is paid back'
            )
        ) as gateway_clause
    from classified
),

final as (
    select
        tenant_id,
        resolved_branch_id as branch_id,
        refund_id,
        payment_id,
        order_id,
        booking_id,
        method,
        gateway,
        amount_paise,
        reason as refund_reason,
        initiated_at,
        initiated_date,
        gateway_amount_paise,
        gateway_fee_paise,
        gateway_tax_paise,
        gateway_net_paise,
        toInt64(0) as expected_fee_paise,
        toInt64(0) as expected_tax_paise,
        refund_sla_days,
        refund_deadline_date,
        settlement_id,
        settlement_utr,
        settled_at,
        bank_credit_date,
        is_bank_matched,
        gateway_refund_answer,
        gateway_refund_status,
        gateway_refund_arn,
        gateway_refund_processed_at,
        gateway_status_checked_at,
        as_of_date,
        age_days,
        status,
        if(status = 'matched', '', {{ aging_bucket('age_days') }}) as aging_bucket,
        multiIf(
            status = 'in_transit',
            concat(
                'refund initiated ', toString(initiated_date), ' IST, not settled yet; within the refund SLA',
                ' of ', toString(refund_sla_days), ' days (until ', toString(refund_deadline_date), ')'
            ),
            status = 'settlement_overdue', concat(overdue_facts, gateway_clause),
            status = 'amount_mismatch',
            concat(
                'gateway amount ', {{ rupees_text('assumeNotNull(gateway_amount_paise)') }},
                ' differs from refunded ', {{ rupees_text('amount_paise') }}
            ),
            status = 'fee_mismatch',
            concat(
                'gateway charged fee ', {{ rupees_text('assumeNotNull(gateway_fee_paise)') }}, ' + GST ',
                {{ rupees_text('assumeNotNull(gateway_tax_paise)') }}, ' on a refund; refunds carry no fee'
            ),
            status = 'bank_unmatched', bank_exception_reason,
            ''
        ) as exception_reason
    from explained
)

select * from final
