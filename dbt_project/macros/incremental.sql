{#- Incremental models and the load ledger.

    Every row an incremental model writes carries `batches_committed_through`: the commit time of the
    latest load batch committed when the row was computed. On an incremental run the new batches are
    those committed after the highest such time in the model's table; the model recomputes every row
    they can change (each model says which) and replaces those rows (delete+insert on its unique key).
    Recomputing a row reads all of its history, not just the new batches, so a run that did more than
    it had to (a batch seen twice, a run that stopped between its delete and its insert) is harmless:
    the rows it rewrites come out the same. A full refresh recomputes everything. -#}

{#- The commit time of the latest committed load batch, as a scalar subquery. -#}
{% macro batches_committed_through() -%}
    (select max(batches.committed_at) from {{ ref('stg_raw__load_batches') }} as batches)
{%- endmacro %}


{#- The batch ids committed after the model's last run, as a subquery (incremental runs only). A table
    built before the model was incremental has no batches_committed_through yet: every batch is new then,
    and on_schema_change='append_new_columns' adds the column as that run rewrites every row. -#}
{% macro new_batch_ids() -%}
    {%- set done_columns = (adapter.get_columns_in_relation(this) | map(attribute='name') | list) if adapter is defined else [] -%}
    select batches.batch_id from {{ ref('stg_raw__load_batches') }} as batches
    {%- if 'batches_committed_through' in done_columns %}
        where batches.committed_at > (select max(done.batches_committed_through) from {{ this }} as done)
    {%- endif %}
{%- endmacro %}
