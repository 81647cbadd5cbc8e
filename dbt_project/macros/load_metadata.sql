{#- Load metadata of the raw tables, the same in every staging model.

    Every raw table carries the loader's four metadata columns (ingestion/tables.py METADATA_COLUMNS):
    _batch_id (one per loaded file), _source_file, _source_line and _loaded_at. -#}

{#- The staging columns of the load metadata: batch_id, source_file, source_line, loaded_at. -#}
{% macro load_metadata() -%}
    _batch_id as batch_id,
    _source_file as source_file,
    _source_line as source_line,
    _loaded_at as loaded_at
{%- endmacro %}


{#- The committed rows of a raw table: those whose load batch has its row in raw.load_ledger. The loader
    writes a file's ledger row last, as the commit point of its load, so the rows of a load that crashed
    before its ledger row are never read by dbt (the loader starts such a batch clean on its next try). -#}
{% macro committed_rows(relation) -%}
    select * from {{ relation }}
    where _batch_id in (select ledger._batch_id from {{ source('raw', 'load_ledger') }} as ledger)
{%- endmacro %}
