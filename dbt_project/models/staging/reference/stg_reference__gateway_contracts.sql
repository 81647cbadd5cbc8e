with

source as (
    select * from {{ source('reference', 'reference_gateway_contracts') }}
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
        _source_file as source_file,
        _source_line as source_line,
        _loaded_at as loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
