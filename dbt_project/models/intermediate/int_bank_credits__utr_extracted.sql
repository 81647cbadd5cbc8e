{#- Bank credit lines with the UTRs found in their narration: one row per (credit line, UTR). A UTR is a
    token of the narration (tokens are separated by spaces, dashes or other punctuation) shaped
    [A-Z]{4}[0-9A-Z][0-9]{6,17}. Credit lines without a UTR are left out. -#}
with

bank_lines as (
    select * from {{ ref('stg_bank__statement_lines') }}
    where credit_paise > 0
),

tokenised as (
    select
        *,
        arrayDistinct(
            arrayFilter(
                token -> match(token, '^[A-Z]{4}[0-9A-Z][0-9]{6,17}$'),
                extractAll(upper(narration), '[0-9A-Z]+')
            )
        ) as utrs
    from bank_lines
),

final as (
    select
        tenant_id,
        bank_line_id,
        utr,
        txn_date,
        value_date,
        credit_paise,
        narration,
        ref_no,
        account_file
    from tokenised
    array join utrs as utr
)

select * from final
