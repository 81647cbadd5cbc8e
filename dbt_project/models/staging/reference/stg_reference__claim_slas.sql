with

source as (
    {{ committed_rows(source('reference', 'reference_claim_slas')) }}
),

renamed as (
    select
        tenant_id,
        insurer,
        tpa,
        decision_sla_hours,
        settlement_sla_hours,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
