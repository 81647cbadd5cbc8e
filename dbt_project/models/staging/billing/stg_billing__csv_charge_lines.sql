with

source as (
    {{ committed_rows(source('billing', 'csv_charge_lines')) }}
),

renamed as (
    select
        {{ charge_staged_columns('csv') }}
    from source
),

final as (
    select * from renamed
)

select * from final
