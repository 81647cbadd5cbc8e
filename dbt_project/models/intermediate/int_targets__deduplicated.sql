{#- The version in force of each monthly branch target (tenant_id, branch_id, target_month, metric): see
    reference_versions_in_force. -#}
{{ reference_versions_in_force(
    'stg_reference__targets',
    ['tenant_id', 'branch_id', 'target_month', 'metric'],
    ['target'],
) }}
