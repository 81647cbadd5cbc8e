{#- Reference rows are versioned: a changed row is appended by a later load. Ranks the versions of each key
    of the staged rows in `versions` (a CTE name): the latest load wins and, within one load, the later line
    of the file. version_rank = 1 is the version in force; version_count counts every loaded version. -#}
{% macro rank_reference_versions(versions, key_columns) -%}
    {%- set partition_by = key_columns | join(', ') -%}
    select
        *,
        row_number() over (
            partition by {{ partition_by }}
            order by loaded_at desc, source_file desc, source_line desc
        ) as version_rank,
        count() over (partition by {{ partition_by }}) as version_count
    from {{ versions }}
{%- endmacro %}


{#- The whole query of a mapping table's version in force: the staged versions of `staging_model` ranked by
    rank_reference_versions, the latest of each key kept with its columns, when it was loaded and how many
    versions there are. -#}
{% macro reference_versions_in_force(staging_model, key_columns, value_columns) -%}
with

versions as (
    select * from {{ ref(staging_model) }}
),

ranked as (
    {{ rank_reference_versions('versions', key_columns) }}
),

final as (
    select
        {% for column in key_columns + value_columns -%}
        {{ column }},
        {% endfor -%}
        loaded_at as version_loaded_at,
        version_count
    from ranked
    where version_rank = 1
)

select * from final
{%- endmacro %}
