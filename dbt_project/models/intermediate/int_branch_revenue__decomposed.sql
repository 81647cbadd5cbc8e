{#- The price, volume and mix decomposition of each branch's visit revenue change, month on month and week on
    week (macros/branch_variance.sql, revenue_decomposition). -#}
{%- set visits -%}
    (
        select * from {{ ref('int_bookings__profiled') }}
        where outcome = 'completed' and branch_id != ''
    )
{%- endset %}

with

monthly as (
    {{ revenue_decomposition('month', visits) }}
),

weekly as (
    {{ revenue_decomposition('week', visits) }}
),

final as (
    select * from monthly
    union all
    select * from weekly
)

select * from final
