{#- Each settlement beside the bank credit(s) carrying its UTR. A settlement is bank-matched when bank
    credit lines carry its UTR and they add up to the settlement's net. -#}
with

settlements as (
    select * from {{ ref('int_settlements__summarised') }}
),

bank_credits as (
    select * from {{ ref('int_bank_credits__utr_extracted') }}
),

credits_per_utr as (
    select
        tenant_id,
        utr,
        toNullable(sum(credit_paise)) as bank_credited_paise,
        toNullable(min(txn_date)) as bank_credit_date,
        toNullable(count()) as bank_line_count
    from bank_credits
    group by tenant_id, utr
),

keyed_settlements as (
    select
        *,
        upper(settlement_utr) as utr_key
    from settlements
),

joined as (
    select
        keyed_settlements.*,
        credits_per_utr.bank_credited_paise as matched_credit_paise,
        credits_per_utr.bank_credit_date as bank_credit_date,
        coalesce(credits_per_utr.bank_line_count, 0) as bank_line_count
    from keyed_settlements
    left join credits_per_utr
        on
            keyed_settlements.tenant_id = credits_per_utr.tenant_id
            and keyed_settlements.utr_key = credits_per_utr.utr
),

classified as (
    select
        *,
        multiIf(
            settlement_utr = '', 'no_utr',
            matched_credit_paise is null, 'no_bank_credit',
            matched_credit_paise != net_paise, 'amount_differs',
            'matched'
        ) as bank_match_status
    from joined
),

final as (
    select
        tenant_id,
        settlement_id,
        settlement_utr,
        branch_id,
        settled_at,
        settlement_date,
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
        net_paise,
        coalesce(matched_credit_paise, 0) as bank_credited_paise,
        bank_credit_date,
        bank_line_count,
        coalesce(matched_credit_paise, 0) - net_paise as difference_paise,
        bank_match_status,
        bank_match_status = 'matched' as is_bank_matched,
        multiIf(
            bank_match_status = 'no_utr',
            concat(
                'settlement ', settlement_id, ' has no UTR, so its payout of ',
                {{ rupees_text('net_paise') }}, ' cannot be found in the bank statement'
            ),
            bank_match_status = 'no_bank_credit',
            concat(
                'no bank credit carries UTR ', settlement_utr, ' of settlement ', settlement_id,
                ' (net ', {{ rupees_text('net_paise') }}, ')'
            ),
            bank_match_status = 'amount_differs',
            concat(
                'bank credited ', {{ rupees_text('assumeNotNull(matched_credit_paise)') }}, ' for UTR ',
                settlement_utr, ' but settlement ', settlement_id, ' nets ', {{ rupees_text('net_paise') }}
            ),
            ''
        ) as bank_exception_reason
    from classified
)

select * from final
