with

source as (
    {{ committed_rows(source('bank', 'bank_statement_lines')) }}
),

renamed as (
    select
        tenant_id,
        -- the natural key's hash: the same line in two overlapping downloads has one id (the loader
        -- loads it once), and the id does not depend on the file or the line number it came in
        lower(hex(sipHash128(
            tenant_id, account_number, txn_date, value_date, narration, ref_no,
            debit_paise, credit_paise, balance_paise
        ))) as bank_line_id,
        account_number,
        txn_date,
        value_date,
        narration,
        ref_no,
        debit_paise,
        credit_paise,
        balance_paise,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
