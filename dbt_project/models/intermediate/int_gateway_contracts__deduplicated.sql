{#- The version in force of each gateway contract (tenant_id, gateway, method):
    see rank_reference_versions. -#}
with

versions as (
    select * from {{ ref('stg_reference__gateway_contracts') }}
),

ranked as (
    {{ rank_reference_versions('versions', ['tenant_id', 'gateway', 'method']) }}
),

final as (
    select
        tenant_id,
        gateway,
        method,
        mdr_bps,
        gst_bps,
        settlement_days,
        refund_sla_days,
        loaded_at as version_loaded_at,
        version_count
    from ranked
    where version_rank = 1
)

select * from final
