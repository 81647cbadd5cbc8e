{#- Gateway settlement lines that no payment or refund row of the reconciliation carries, so that every
    line of every settlement is on exactly one row: lines that match nothing the bookings know (role
    orphan), a second line for a payment or refund another line already settles, and a refund line of a
    known payment under a refund id the bookings never issued (role unattached). Always
    orphan_gateway_line; the reason says which. Aged from the line's creation date (IST). -#}
with

gateway_lines as (
    select * from {{ ref('int_gateway_lines__matched') }}
    where line_role in ('orphan', 'unattached')
),

settlements as (
    select * from {{ ref('int_settlements__bank_matched') }}
),

as_of as (
    select * from {{ ref('int_as_of_date__resolved') }}
),

settlement_banks as (
    select
        tenant_id,
        settlement_id,
        bank_credit_date
    from settlements
),

joined as (
    select
        gateway_lines.tenant_id as tenant_id,
        gateway_lines.gateway as gateway,
        gateway_lines.line_role as line_role,
        gateway_lines.matched_entity_id as matched_entity_id,
        gateway_lines.branch_id as branch_id,
        gateway_lines.entity_id as entity_id,
        gateway_lines.line_type as line_type,
        gateway_lines.booking_id as booking_id,
        gateway_lines.payment_id as payment_id,
        gateway_lines.order_id as order_id,
        gateway_lines.method as method,
        gateway_lines.amount_paise as amount_paise,
        gateway_lines.fee_excl_tax_paise as fee_excl_tax_paise,
        gateway_lines.tax_paise as tax_paise,
        gateway_lines.net_paise as net_paise,
        gateway_lines.settlement_id as settlement_id,
        gateway_lines.settlement_utr as settlement_utr,
        gateway_lines.settled_at as settled_at,
        gateway_lines.created_at as created_at,
        settlement_banks.bank_credit_date as bank_credit_date,
        as_of.as_of_date as as_of_date,
        {{ ist_date('gateway_lines.created_at') }} as created_date
    from gateway_lines
    left join settlement_banks
        on
            gateway_lines.tenant_id = settlement_banks.tenant_id
            and gateway_lines.settlement_id = settlement_banks.settlement_id
    cross join as_of
),

final as (
    select
        tenant_id,
        branch_id,
        entity_id,
        line_type,
        booking_id,
        if(line_type = 'payment' and payment_id = '', entity_id, payment_id) as payment_id,
        order_id,
        method,
        amount_paise as gateway_amount_paise,
        fee_excl_tax_paise as gateway_fee_paise,
        tax_paise as gateway_tax_paise,
        net_paise as gateway_net_paise,
        nullIf(settlement_id, '') as settlement_id,
        nullIf(settlement_utr, '') as settlement_utr,
        settled_at,
        bank_credit_date,
        created_at,
        created_date,
        as_of_date,
        toInt64(dateDiff('day', created_date, as_of_date)) as age_days,
        'orphan_gateway_line' as status,
        {{ aging_bucket('age_days') }} as aging_bucket,
        multiIf(
            line_role = 'unattached' and matched_entity_id is not null,
            concat(
                initcap(gateway), ' ', line_type, ' line ', entity_id,
                ' of ', {{ rupees_text('amount_paise') }},
                if(settlement_id = '', '', concat(' in settlement ', settlement_id)),
                ' settles ', line_type, ' ', assumeNotNull(matched_entity_id),
                ' a second time (another line already settles it); ask ', initcap(gateway),
                ' to recover or explain the second payout'
            ),
            line_role = 'unattached',
            concat(
                initcap(gateway), ' refund ', entity_id, ' of ', {{ rupees_text('amount_paise') }},
                ' against payment ', payment_id,
                if(settlement_id = '', '', concat(' in settlement ', settlement_id)),
                ' was not issued through the booking system (made in the gateway dashboard?); ',
                'record it against the booking, or ask ', initcap(gateway), ' what it is'
            ),
            concat(
                initcap(gateway), ' ', line_type, ' line ', entity_id,
                ' of ', {{ rupees_text('amount_paise') }},
                if(settlement_id = '', '', concat(' in settlement ', settlement_id)),
                multiIf(
                    line_type = 'payment', ' matches no payment captured in the booking system',
                    line_type = 'refund', ' matches no refund or payment in the booking system',
                    ' is not a booking payment or refund'
                ),
                '; find the booking or ask ', initcap(gateway), ' what it is'
            )
        ) as exception_reason
    from joined
)

select * from final
