{#- The columns every charge line staging model has (ingestion/charge_line.py CHARGE_LINE_COLUMNS, then the wire
    format and the load metadata), in one order, so the billing models union and carry them by name. With
    `relation`, each is taken from that relation of a join (`relation.column as column`). -#}
{% macro charge_line_columns(relation='') -%}
    {%- set columns = [
        'tenant_id', 'sender', 'message_id', 'line_number', 'message_time', 'patient_ids', 'mrn',
        'abha_number', 'visit_number', 'bill_number', 'bill_kind', 'transaction_id', 'transaction_time',
        'transaction_type', 'service_code', 'service_text', 'service_coding_system', 'quantity',
        'amount_paise', 'unit_amount_paise', 'department', 'performing_doctor', 'ordering_doctor',
        'hl7_version', 'raw', 'wire_format', 'batch_id', 'source_file', 'source_line', 'loaded_at'
    ] -%}
    {%- for column in columns %}
        {% if relation %}{{ relation }}.{{ column }} as {% endif %}{{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
