{#- Every captured payment with its reconciliation status, first rule that applies wins:
    duplicate_payment > amount_mismatch at capture > in_transit / settlement_overdue > amount_mismatch
    > fee_mismatch > bank_unmatched > matched (docs/reconciliation.md). -#}
with

payments as (
    select * from {{ ref('int_payments__deduplicated') }}
),

payment_lines as (
    select * from {{ ref('int_gateway_lines__bank_matched') }}
    where line_role = 'payment'
),

contracts as (
    select * from {{ ref('int_gateway_contracts__deduplicated') }}
),

as_of as (
    select * from {{ ref('int_as_of_date__resolved') }}
),

contract_terms as (
    select
        tenant_id,
        gateway,
        method,
        toNullable(mdr_bps) as mdr_bps,
        toNullable(gst_bps) as gst_bps,
        toNullable(settlement_days) as settlement_days
    from contracts
),

joined as (
    select
        payments.tenant_id as tenant_id,
        payments.payment_id as payment_id,
        payments.order_id as order_id,
        payments.booking_id as booking_id,
        payments.patient_id as patient_id,
        payments.branch_id as branch_id,
        payments.purpose as purpose,
        payments.amount_paise as amount_paise,
        payments.currency as currency,
        payments.method as method,
        payments.gateway as gateway,
        payments.captured_at as captured_at,
        payments.captured_date as captured_date,
        payments.is_duplicate as is_duplicate,
        payments.duplicate_of_payment_id as duplicate_of_payment_id,
        payments.is_capture_mismatched as is_capture_mismatched,
        payments.captured_amount_paise as captured_amount_paise,
        payments.captured_currency as captured_currency,
        -- the gateway's word on the amount: its settlement line, else (a mismatched capture) the capture
        if(
            payment_lines.gateway_amount_paise is null and payments.is_capture_mismatched,
            toNullable(payments.captured_amount_paise),
            payment_lines.gateway_amount_paise
        ) as gateway_amount_paise,
        payment_lines.gateway_fee_paise as gateway_fee_paise,
        payment_lines.gateway_tax_paise as gateway_tax_paise,
        payment_lines.gateway_net_paise as gateway_net_paise,
        payment_lines.settlement_id as settlement_id,
        payment_lines.settlement_utr as settlement_utr,
        payment_lines.settled_at as settled_at,
        payment_lines.bank_credit_date as bank_credit_date,
        coalesce(payment_lines.is_bank_matched, false) as is_bank_matched,
        coalesce(payment_lines.bank_exception_reason, '') as bank_exception_reason,
        contract_terms.mdr_bps as mdr_bps,
        contract_terms.gst_bps as gst_bps,
        contract_terms.settlement_days as settlement_days,
        as_of.as_of_date as as_of_date
    from payments
    left join payment_lines
        on
            payments.tenant_id = payment_lines.tenant_id
            and payments.payment_id = payment_lines.entity_id
    left join contract_terms
        on
            payments.tenant_id = contract_terms.tenant_id
            and payments.gateway = contract_terms.gateway
            and payments.method = contract_terms.method
    cross join as_of
),

expected as (
    select
        *,
        settlement_id is not null as is_settled,
        toInt64(dateDiff('day', captured_date, as_of_date)) as age_days,
        addDays(captured_date, settlement_days) as settlement_due_date,
        {{ bps_of('if(settlement_id is not null, gateway_amount_paise, amount_paise)', 'mdr_bps') }}
            as expected_fee_paise
    from joined
),

with_expected_tax as (
    select
        *,
        {{ bps_of('expected_fee_paise', 'gst_bps') }} as expected_tax_paise
    from expected
),

classified as (
    select
        *,
        multiIf(
            is_duplicate, 'duplicate_payment',
            is_capture_mismatched, 'amount_mismatch',
            not is_settled and age_days <= settlement_days, 'in_transit',
            not is_settled, 'settlement_overdue',
            gateway_amount_paise != amount_paise, 'amount_mismatch',
            expected_fee_paise is null
            or abs(gateway_fee_paise - expected_fee_paise) > 1
            or abs(gateway_tax_paise - expected_tax_paise) > 1, 'fee_mismatch',
            not is_bank_matched, 'bank_unmatched',
            'matched'
        ) as status
    from with_expected_tax
),

final as (
    select
        tenant_id,
        branch_id,
        payment_id,
        order_id,
        booking_id,
        patient_id,
        purpose,
        method,
        gateway,
        amount_paise,
        captured_at,
        captured_date,
        is_duplicate,
        duplicate_of_payment_id,
        is_capture_mismatched,
        captured_amount_paise,
        captured_currency,
        gateway_amount_paise,
        gateway_fee_paise,
        gateway_tax_paise,
        gateway_net_paise,
        expected_fee_paise,
        expected_tax_paise,
        mdr_bps,
        gst_bps,
        settlement_days,
        settlement_due_date,
        settlement_id,
        settlement_utr,
        settled_at,
        bank_credit_date,
        is_bank_matched,
        as_of_date,
        age_days,
        status,
        if(status = 'matched', '', {{ aging_bucket('age_days') }}) as aging_bucket,
        multiIf(
            status = 'duplicate_payment',
            concat(
                'order ', order_id, ' was already paid by ', duplicate_of_payment_id,
                ', captured earlier; this second capture of ', {{ rupees_text('amount_paise') }},
                ' should be refunded to the patient'
            ),
            status = 'in_transit',
            concat(
                'captured ', toString(captured_date), ' IST, not settled yet; due in the settlement of ',
                toString(settlement_due_date), ' (T+', toString(settlement_days), ')'
            ),
            status = 'settlement_overdue' and settlement_days is null,
            concat(
                'not in any settlement ', toString(age_days), ' days after capture on ',
                toString(captured_date), ' IST, and no gateway contract names the settlement cycle for ',
                gateway, ' ', method
            ),
            status = 'settlement_overdue',
            concat(
                'not in any settlement ', toString(age_days), ' days after capture on ',
                toString(captured_date), ' IST; was due in the settlement of ',
                toString(settlement_due_date), ' (T+', toString(settlement_days), '), raise it with ',
                initcap(gateway)
            ),
            status = 'amount_mismatch' and is_capture_mismatched,
            concat(
                'captured ',
                if(
                    captured_currency = 'INR',
                    {{ rupees_text('captured_amount_paise') }},
                    concat(captured_currency, ' ', toString(captured_amount_paise), ' (minor units)')
                ),
                ' for order ', order_id, ' of ', {{ rupees_text('amount_paise') }},
                '; the booking was not confirmed by it: refund it or collect the difference'
            ),
            status = 'amount_mismatch',
            concat(
                'gateway amount ', {{ rupees_text('assumeNotNull(gateway_amount_paise)') }},
                ' differs from booked ', {{ rupees_text('amount_paise') }}
            ),
            status = 'fee_mismatch' and expected_fee_paise is null,
            concat(
                'no gateway contract for ', gateway, ' ', method, ', so the fee ',
                {{ rupees_text('assumeNotNull(gateway_fee_paise)') }}, ' + GST ',
                {{ rupees_text('assumeNotNull(gateway_tax_paise)') }}, ' cannot be checked'
            ),
            status = 'fee_mismatch',
            concat(
                'gateway fee ', {{ rupees_text('assumeNotNull(gateway_fee_paise)') }}, ' + GST ',
                {{ rupees_text('assumeNotNull(gateway_tax_paise)') }}, ' differs from the contract fee ',
                {{ rupees_text('assumeNotNull(expected_fee_paise)') }}, ' + GST ',
                {{ rupees_text('assumeNotNull(expected_tax_paise)') }}, ' (', method, ' at ',
                toString(mdr_bps), ' bps, GST ', toString(gst_bps), ' bps, on ',
                {{ rupees_text('assumeNotNull(gateway_amount_paise)') }}, ')'
            ),
            status = 'bank_unmatched', bank_exception_reason,
            ''
        ) as exception_reason
    from classified
)

select * from final
