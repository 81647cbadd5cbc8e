with

source as (
    select * from {{ source('bank', 'bank_statement_lines') }}
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
        _source_file as source_file,
        _source_line as source_line,
        _loaded_at as loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
