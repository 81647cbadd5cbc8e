{#- The model has exactly one row. -#}
{% test exactly_one_row(model) %}

with

counted as (
    select count() as row_count
    from {{ model }}
),

final as (
    select * from counted
    where row_count != 1
)

select * from final

{% endtest %}
