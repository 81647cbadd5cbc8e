with

source as (
    {{ committed_rows(source('razorpay', 'razorpay_settlement_lines')) }}
),

renamed as (
    select
        tenant_id,
        entity_id,
        lower(type) as line_type,
        settlement_id,
        settlement_utr,
        amount as amount_paise,
        credit as credit_paise,
        debit as debit_paise,
        credit - debit as net_paise,
        fee as fee_incl_tax_paise,
        tax as tax_paise,
        fee - tax as fee_excl_tax_paise,
        currency,
        on_hold = 1 as is_on_hold,
        settled = 1 as is_settled,
        created_at,
        settled_at,
        posted_at,
        payment_id,
        order_id,
        order_receipt,
        lower(method) as method,
        card_network,
        card_issuer,
        card_type,
        dispute_id,
        credit_type,
        description,
        notes as notes_json,
        JSONExtractString(notes, 'booking_id') as notes_booking_id,
        JSONExtractString(notes, 'branch_id') as notes_branch_id,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
