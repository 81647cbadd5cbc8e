{#- The version in force of each (tenant_id, ward_code): see reference_versions_in_force. -#}
{{ reference_versions_in_force(
    'stg_reference__wards',
    ['tenant_id', 'ward_code'],
    ['ward_name', 'branch_id'],
) }}
