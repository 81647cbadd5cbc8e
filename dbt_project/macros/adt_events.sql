{#- The columns every ADT staging model has (ingestion/adt_event.py ADT_EVENT_COLUMNS, then the wire format
    and the load metadata), in one order, so the episode models union and carry them by name. With
    `relation`, each is taken from that relation of a join (`relation.column as column`). -#}
{% macro adt_event_columns(relation='') -%}
    {%- set columns = [
        'tenant_id', 'sender', 'message_id', 'message_time', 'event_type', 'event_time', 'patient_ids',
        'mrn', 'abha_number', 'patient_name', 'birth_date', 'sex', 'patient_class', 'visit_number',
        'location', 'prior_location', 'department', 'attending_doctor', 'admit_time', 'discharge_time',
        'discharge_disposition', 'merged_mrn', 'hl7_version', 'raw', 'wire_format', 'batch_id',
        'source_file', 'source_line', 'loaded_at'
    ] -%}
    {%- for column in columns %}
        {% if relation %}{{ relation }}.{{ column }} as {% endif %}{{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
