{#- No two rows share the same values of `combination_of_columns` (NULLs compare equal). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

grouped as (
    select
        {{ combination_of_columns | join(', ') }},
        count() as row_count
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
),

final as (
    select * from grouped
    where row_count > 1
)

select * from final

{% endtest %}
