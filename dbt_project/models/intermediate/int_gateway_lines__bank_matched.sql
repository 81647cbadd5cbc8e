{#- The settlement line of each payment and refund known to the booking system (line_role payment or
    refund: one line per entity), beside the bank match of its settlement. What the reconciled payments
    and refunds take from the gateway side. Every column but the keys is Nullable, so that their left
    joins give null for an entity no line settles. -#}
with

gateway_lines as (
    select * from {{ ref('int_gateway_lines__matched') }}
    where line_role in ('payment', 'refund')
),

settlements as (
    select * from {{ ref('int_settlements__bank_matched') }}
),

settlement_banks as (
    select
        tenant_id,
        settlement_id,
        toNullable(is_bank_matched) as is_bank_matched,
        bank_credit_date,
        toNullable(bank_exception_reason) as bank_exception_reason
    from settlements
),

final as (
    select
        gateway_lines.tenant_id as tenant_id,
        gateway_lines.line_role as line_role,
        assumeNotNull(gateway_lines.matched_entity_id) as entity_id,
        toNullable(gateway_lines.method) as line_method,
        toNullable(gateway_lines.amount_paise) as gateway_amount_paise,
        toNullable(gateway_lines.fee_excl_tax_paise) as gateway_fee_paise,
        toNullable(gateway_lines.tax_paise) as gateway_tax_paise,
        toNullable(gateway_lines.net_paise) as gateway_net_paise,
        nullIf(gateway_lines.settlement_id, '') as settlement_id,
        nullIf(gateway_lines.settlement_utr, '') as settlement_utr,
        gateway_lines.settled_at as settled_at,
        settlement_banks.bank_credit_date as bank_credit_date,
        settlement_banks.is_bank_matched as is_bank_matched,
        settlement_banks.bank_exception_reason as bank_exception_reason
    from gateway_lines
    left join settlement_banks
        on
            gateway_lines.tenant_id = settlement_banks.tenant_id
            and gateway_lines.settlement_id = settlement_banks.settlement_id
)

select * from final
