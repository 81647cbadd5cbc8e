{#- The version in force of each claim service level (tenant_id, insurer, tpa): see
    reference_versions_in_force. -#}
{{ reference_versions_in_force(
    'stg_reference__claim_slas',
    ['tenant_id', 'insurer', 'tpa'],
    ['decision_sla_hours', 'settlement_sla_hours'],
) }}
