{#- The version in force of each (tenant_id, practitioner_id): see reference_versions_in_force. -#}
{{ reference_versions_in_force(
    'stg_reference__providers',
    ['tenant_id', 'practitioner_id'],
    ['doctor_id'],
) }}
