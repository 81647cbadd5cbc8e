with

source as (
    {{ committed_rows(source('adt', 'adt_fhir_events')) }}
),

renamed as (
    select
        {{ adt_staged_columns('fhir') }}
    from source
),

final as (
    select * from renamed
)

select * from final
