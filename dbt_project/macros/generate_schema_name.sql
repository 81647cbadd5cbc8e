{#- A model's ClickHouse database is its layer (staging, intermediate, marts), behind an optional
    prefix that lets several environments share one server (see MYMEDIC_WAREHOUSE in the README). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ env_var('MYMEDIC_DB_PREFIX', '') }}{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
