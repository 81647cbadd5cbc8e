{{
    config(
        engine='MergeTree()',
        order_by='(tenant_id, doctor_id)',
    )
}}

{#- The clinic chain's doctors and their consultation fee, latest version of the reference data. -#}
with

doctors as (
    select * from {{ ref('int_doctors__deduplicated') }}
),

final as (
    select
        cast(tenant_id as String) as tenant_id,
        cast(doctor_id as String) as doctor_id,
        cast(branch_id as String) as branch_id,
        cast(doctor_name as String) as doctor_name,
        cast(specialty as String) as specialty,
        cast(consultation_fee_paise as Int64) as consultation_fee_paise,
        cast(version_loaded_at as DateTime64(3, 'UTC')) as version_loaded_at,
        cast(version_count as Int64) as version_count
    from doctors
    order by tenant_id, doctor_id
)

select * from final
