with

source as (
    {{ committed_rows(source('billing', 'hl7_charge_lines')) }}
),

renamed as (
    select
        {{ charge_staged_columns('hl7') }}
    from source
),

final as (
    select * from renamed
)

select * from final
