{#- The version in force of each claim document requirement (tenant_id, insurer, claim_kind, document_kind):
    see reference_versions_in_force. -#}
{{ reference_versions_in_force(
    'stg_reference__claim_document_requirements',
    ['tenant_id', 'insurer', 'claim_kind', 'document_kind'],
    ['required'],
) }}
