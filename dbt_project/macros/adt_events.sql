{#- The ADT event's columns as the raw tables carry them: ingestion/adt_event.py ADT_EVENT_COLUMNS, in its
    order (tests/dbt_project/test_adt_columns_follow_the_spec.py checks the two agree). Stated once here;
    the staging models and the episode models take them from it. -#}
{% macro adt_spec_columns() -%}
    tenant_id, sender, message_id, message_time, event_type, event_time, patient_ids, mrn, abha_number,
    patient_name, birth_date, sex, patient_class, visit_number, location, prior_location, department,
    attending_doctor, admit_time, discharge_time, discharge_disposition, merged_mrn, hl7_version, raw
{%- endmacro %}

{#- The columns every ADT staging model has (the spec's, then the wire format and the load metadata), in one
    order, so the episode models union and carry them by name. With `relation`, each is taken from that
    relation of a join (`relation.column as column`). -#}
{% macro adt_event_columns(relation='') -%}
    {%- set columns = adt_spec_columns().split(',') | map('trim') | list
        + ['wire_format', 'batch_id', 'source_file', 'source_line', 'loaded_at'] -%}
    {%- for column in columns %}
        {% if relation %}{{ relation }}.{{ column }} as {% endif %}{{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- An ADT staging model's select list over its raw table: the spec's columns as loaded, the wire format
    (`hl7`, `csv`, `fhir`) and the load metadata. -#}
{% macro adt_staged_columns(wire_format) -%}
    {{ adt_spec_columns() }},
    '{{ wire_format }}' as wire_format,
    {{ load_metadata() }}
{%- endmacro %}
