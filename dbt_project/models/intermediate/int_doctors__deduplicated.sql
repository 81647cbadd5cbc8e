{#- The version in force of each doctor (tenant_id, doctor_id): see rank_reference_versions. -#}
with

versions as (
    select * from {{ ref('stg_reference__doctors') }}
),

ranked as (
    {{ rank_reference_versions('versions', ['tenant_id', 'doctor_id']) }}
),

final as (
    select
        tenant_id,
        doctor_id,
        branch_id,
        doctor_name,
        specialty,
        consultation_fee_paise,
        loaded_at as version_loaded_at,
        version_count
    from ranked
    where version_rank = 1
)

select * from final
