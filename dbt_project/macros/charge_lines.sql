{#- The charge line's columns as the raw tables carry them: ingestion/charge_line.py CHARGE_LINE_COLUMNS, in its
    order (tests/dbt_project/test_charge_line_columns_follow_the_spec.py checks the two agree). Stated once
    here; the staging models and the billing models take them from it. -#}
{% macro charge_spec_columns() -%}
    tenant_id, sender, message_id, line_number, message_time, patient_ids, mrn, abha_number, visit_number,
    bill_number, bill_kind, transaction_id, transaction_time, transaction_type, service_code, service_text,
    service_coding_system, quantity, amount_paise, unit_amount_paise, department, performing_doctor,
    ordering_doctor, hl7_version, raw
{%- endmacro %}

{#- The columns every charge line staging model has (the spec's, then the wire format and the load metadata),
    in one order, so the billing models union and carry them by name. With `relation`, each is taken from
    that relation of a join (`relation.column as column`). -#}
{% macro charge_line_columns(relation='') -%}
    {%- set columns = charge_spec_columns().split(',') | map('trim') | list
        + ['wire_format', 'batch_id', 'source_file', 'source_line', 'loaded_at'] -%}
    {%- for column in columns %}
        {% if relation %}{{ relation }}.{{ column }} as {% endif %}{{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- A charge line staging model's select list over its raw table: the spec's columns as loaded, the wire
    format (`hl7`, `csv`) and the load metadata. -#}
{% macro charge_staged_columns(wire_format) -%}
    {{ charge_spec_columns() }},
    '{{ wire_format }}' as wire_format,
    {{ load_metadata() }}
{%- endmacro %}
