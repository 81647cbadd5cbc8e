with

source as (
    {{ committed_rows(source('claims', 'claims_tpa_events')) }}
),

renamed as (
    select
        {{ claim_staged_columns() }}
    from source
),

final as (
    select * from renamed
)

select * from final
