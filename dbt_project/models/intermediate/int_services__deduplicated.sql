{#- The version in force of each (tenant_id, service_code): see reference_versions_in_force. -#}
{{ reference_versions_in_force(
    'stg_reference__services',
    ['tenant_id', 'service_code'],
    ['service_id', 'service_name', 'fee_paise'],
) }}
