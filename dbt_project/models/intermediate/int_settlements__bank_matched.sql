{#- Each settlement beside the bank credit(s) carrying its UTR. A settlement is bank-matched when bank
    credit lines carry its UTR and they add up to the settlement's net. -#}
with

settlements as (
    select * from {{ ref('int_settlements__summarised') }}
),

bank_credits as (
    select * from {{ ref('int_bank_credits__utr_extracted') }}
),

quarantined_records as (
    select * from {{ ref('stg_raw__quarantined_records') }}
    where feed in ('razorpay_settlements', 'gateway_settlements')
),

quarantined_lines as (
    {#- A quarantined settlement line is missing from its settlement's net: find it by the settlement id
        in the record's text (the record could not be read, so this is the one thing known about it), and
        name it by file, line and reason, never by its content (patient-linked). -#}
    select
        settlements.tenant_id as quarantined_tenant_id,
        settlements.settlement_id as quarantined_settlement_id,
        count() as quarantined_line_count,
        arrayStringConcat(
            arraySlice(
                arraySort(
                    groupArray(
                        concat(
                            quarantined_records.source_file, ' line ',
                            toString(quarantined_records.source_line), ' (', quarantined_records.reason, ')'
                        )
                    )
                ),
                1, 3
            ),
            '; '
        ) as quarantined_lines
    from settlements
    cross join quarantined_records
    where position(quarantined_records.raw_line, settlements.settlement_id) > 0
    group by settlements.tenant_id, settlements.settlement_id
),

credits_per_utr as (
    {{ bank_credits_per_utr('bank_credits') }}
),

-- every column of the settlement summary, then its bank match
matched as (
    select
        settlements.*,
        coalesce(credits_per_utr.credited_paise, 0) as bank_credited_paise,
        credits_per_utr.bank_credit_date as bank_credit_date,
        coalesce(credits_per_utr.bank_line_count, 0) as bank_line_count,

        coalesce(credits_per_utr.credited_paise, 0) - settlements.net_paise as difference_paise,
        multiIf(
            settlements.settlement_utr = '', 'no_utr',
            credits_per_utr.credited_paise is null, 'no_bank_credit',
            credits_per_utr.credited_paise != settlements.net_paise, 'amount_differs',
            'matched'
        ) as bank_match_status
    from settlements
    left join credits_per_utr
        on
            settlements.tenant_id = credits_per_utr.tenant_id
            and upper(settlements.settlement_utr) = credits_per_utr.utr
),

with_quarantine as (
    select
        matched.*,
        coalesce(quarantined_lines.quarantined_line_count, 0) as quarantined_line_count,
        coalesce(quarantined_lines.quarantined_lines, '') as quarantined_lines
    from matched
    left join quarantined_lines
        on
            matched.tenant_id = quarantined_lines.quarantined_tenant_id
            and matched.settlement_id = quarantined_lines.quarantined_settlement_id
),

final as (
    select
        *,
        bank_match_status = 'matched' as is_bank_matched,
        multiIf(
            bank_match_status in ('no_bank_credit', 'amount_differs') and quarantined_line_count > 0,
            concat(
                'settlement ', settlement_id, ' nets ', {{ rupees_text('net_paise') }},
                ' from its loaded lines',
                if(
                    bank_match_status = 'amount_differs',
                    concat(' but the bank credited ', {{ rupees_text('bank_credited_paise') }}),
                    ''
                ),
                ', and ', toString(quarantined_line_count), ' of its lines were quarantined: ',
                quarantined_lines,
                if(quarantined_line_count > 3, '; …', ''),
                '; correct and reload them before raising the bank credit'
            ),
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
                'bank credited ', {{ rupees_text('bank_credited_paise') }}, ' for UTR ',
                settlement_utr, ' but settlement ', settlement_id, ' nets ', {{ rupees_text('net_paise') }}
            ),
            ''
        ) as bank_exception_reason
    from with_quarantine
)

select * from final
