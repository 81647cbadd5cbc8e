with

source as (
    {{ committed_rows(source('reference', 'reference_gateway_contracts')) }}
),

renamed as (
    select
        tenant_id,
        lower(gateway) as gateway,
        lower(method) as method,
        mdr_bps,
        gst_bps,
        settlement_days,
        refund_sla_days,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
