{#- Every charge line, whatever brought it (HL7 DFT^P03, a bill CSV): the staging models have the same columns. -#}
with

hl7 as (
    select {{ charge_line_columns() }}
    from {{ ref('stg_billing__hl7_charge_lines') }}
),

csv as (
    select {{ charge_line_columns() }}
    from {{ ref('stg_billing__csv_charge_lines') }}
),

unioned as (
    select * from hl7
    union all
    select * from csv
),

final as (
    select * from unioned
)

select * from final
