{#- The version in force of each (tenant_id, mrn): see reference_versions_in_force. -#}
{{ reference_versions_in_force(
    'stg_reference__patient_identity',
    ['tenant_id', 'mrn'],
    ['abha_number', 'patient_id'],
) }}
