with

source as (
    {{ committed_rows(source('bank', 'bank_statement_lines')) }}
),

renamed as (
    select
        tenant_id,
        concat(_source_file, ':', toString(_source_line)) as bank_line_id,
        account_file,
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
