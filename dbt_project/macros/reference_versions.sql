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
