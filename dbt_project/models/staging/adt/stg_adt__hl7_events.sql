with

source as (
    {{ committed_rows(source('adt', 'adt_hl7_events')) }}
),

renamed as (
    select
        {{ adt_staged_columns('hl7') }}
    from source
),

final as (
    select * from renamed
)

select * from final
