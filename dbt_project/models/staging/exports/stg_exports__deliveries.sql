with

source as (
    select * from {{ source('exports', 'audit') }}
),

renamed as (
    select
        audit_id,
        bundle,
        delivery as delivery_target,
        period_label,
        bundle_file,
        event as delivery_outcome,
        toInt64(attempts) as attempts,
        recorded_at as delivered_at
    from source
    where event in ('delivered', 'delivery_failed')
),

final as (
    select * from renamed
)

select * from final
