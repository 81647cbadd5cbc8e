{#- The version in force of each rate (tenant_id, channel, provider, pricing_category, valid_from): see
    reference_versions_in_force. -#}
{{ reference_versions_in_force(
    'stg_reference__message_rates',
    ['tenant_id', 'channel', 'provider', 'pricing_category', 'valid_from'],
    ['unit', 'rate_paise'],
) }}
