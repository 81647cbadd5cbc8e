{#- Every ADT event, whatever wire format brought it: the three staging models have the same columns. -#}
with

hl7 as (
    select {{ adt_event_columns() }}
    from {{ ref('stg_adt__hl7_events') }}
),

csv as (
    select {{ adt_event_columns() }}
    from {{ ref('stg_adt__csv_events') }}
),

fhir as (
    select {{ adt_event_columns() }}
    from {{ ref('stg_adt__fhir_events') }}
),

unioned as (
    select * from hl7
    union all
    select * from csv
    union all
    select * from fhir
),

final as (
    select * from unioned
)

select * from final
