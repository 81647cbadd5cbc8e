{#- on-run-start: drop what an interrupted dbt run left behind in the model databases.

    dbt-clickhouse builds a table as `<model>__dbt_backup` (or `__dbt_tmp`) and swaps it in; an incremental
    delete+insert stages its rows in `<model>__dbt_new_data_<invocation id>`; ClickHouse's
    `create or replace view` goes through a `_tmp_replace_…` view. A run killed between those steps leaves
    them behind. The table materialization drops its own `__dbt_backup`/`__dbt_tmp` when the same model
    next runs, but nothing drops a `__dbt_new_data_<old invocation>` table or a `_tmp_replace_…` view, so
    this hook does, before any model runs. It assumes no other dbt run is building in the same databases
    at the time (true on the embedded warehouse, which one process holds at a time). -#}
{% macro drop_leftover_relations() %}
    {%- if execute -%}
        {%- set databases = [] -%}
        {%- for layer in ['staging', 'intermediate', 'marts'] -%}
            {%- do databases.append(generate_schema_name(layer, none) | trim) -%}
        {%- endfor -%}
        {%- set leftovers_sql -%}
            select
                database,
                name,
                engine
            from system.tables
            where
                database in ('{{ databases | join("', '") }}')
                and match(name, '(__dbt_backup|__dbt_tmp|__dbt_new_data.*|__dbt_distributed_new_data)$|^_tmp_replace_')
            order by database, name
        {%- endset -%}
        {%- for row in run_query(leftovers_sql).rows -%}
            {%- set relation = api.Relation.create(
                database='',
                schema=row['database'],
                identifier=row['name'],
                type=('view' if row['engine'] == 'View' else 'table'),
            ) -%}
            {{ log('Dropping ' ~ row['database'] ~ '.' ~ row['name'] ~ ', left behind by an interrupted run', info=True) }}
            {%- do adapter.drop_relation(relation) -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
