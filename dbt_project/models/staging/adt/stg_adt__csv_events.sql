with

source as (
    {{ committed_rows(source('adt', 'adt_csv_events')) }}
),

renamed as (
    select
        {{ adt_staged_columns('csv') }}
    from source
),

final as (
    select * from renamed
)

select * from final
