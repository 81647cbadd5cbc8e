{#- The claim event's shape and lifecycle as ingestion/claim_event.py and ingestion/claims_state.py state
    them, once for dbt (tests/dbt_project/test_claim_columns_follow_the_spec.py checks they agree). -#}

{#- The claim event's columns as the raw tables carry them (CLAIM_EVENT_COLUMNS), in order. -#}
{% macro claim_spec_columns() -%}
    tenant_id, source, sender, message_id, api_call_id, correlation_id, workflow_id, message_time, claim_id,
    claim_kind, event_type, event_time, insurer, tpa, branch_id, visit_number, policy_number, requested_paise,
    approved_paise, deducted_paise, paid_paise, tds_paise, deductions, reason_code, remarks, utr, documents,
    raw
{%- endmacro %}

{#- The columns of every claims staging model: the spec's, then the load metadata. -#}
{% macro claim_event_columns() -%}
    {{ claim_spec_columns() }},
    batch_id, source_file, source_line, loaded_at
{%- endmacro %}

{#- A claims staging model's select list over its raw table. -#}
{% macro claim_staged_columns() -%}
    {{ claim_spec_columns() }},
    {{ load_metadata() }}
{%- endmacro %}

{#- The lifecycle order of the event types (EVENT_TYPES): it breaks a tie of two events at one instant. -#}
{% macro claim_event_types() -%}
    {{ return([
        'preauth_requested', 'preauth_approved', 'preauth_enhanced', 'preauth_rejected', 'claim_submitted',
        'query_raised', 'query_answered', 'approved_full', 'approved_partial', 'denied', 'settled',
        'remittance_line', 'dispute_raised', 'reopened',
    ]) }}
{%- endmacro %}

{#- The state each event leaves the claim in (STATE_AFTER); a remittance line leaves it unchanged. -#}
{% macro claim_state_after() -%}
    {{ return({
        'preauth_requested': 'preauth_pending',
        'preauth_approved': 'preauth_approved',
        'preauth_enhanced': 'preauth_approved',
        'preauth_rejected': 'preauth_rejected',
        'claim_submitted': 'submitted',
        'query_raised': 'query_pending',
        'query_answered': 'submitted',
        'approved_full': 'approved',
        'approved_partial': 'partially_approved',
        'denied': 'denied',
        'settled': 'settled',
        'dispute_raised': 'disputed',
        'reopened': 'reopened',
    }) }}
{%- endmacro %}

{#- The claim states, in the order the lifecycle first reaches them (STATES). -#}
{% macro claim_states() -%}
    {{ return(claim_state_after().values() | unique | list) }}
{%- endmacro %}

{#- The event's position in the lifecycle (0 for preauth_requested). -#}
{% macro claim_event_rank(event_type_sql) -%}
    indexOf([{%- for e in claim_event_types() %}'{{ e }}'{{ ', ' if not loop.last }}{% endfor -%}], {{ event_type_sql }}) - 1
{%- endmacro %}
