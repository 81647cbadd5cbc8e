{#- The version in force of each (tenant_id, department_code): see reference_versions_in_force. -#}
{{ reference_versions_in_force(
    'stg_reference__departments',
    ['tenant_id', 'department_code'],
    ['department_name', 'branch_id'],
) }}
