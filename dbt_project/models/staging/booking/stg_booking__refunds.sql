with

source as (
    {{ committed_rows(source('booking', 'booking_events')) }}
),

renamed as (
    select
        event_id,
        tenant_id,
        branch_id,
        JSONExtractString(data, 'refund_id') as refund_id,
        JSONExtractString(data, 'payment_id') as payment_id,
        JSONExtractInt(data, 'amount_paise') as amount_paise,
        JSONExtractString(data, 'reason') as reason,
        event_time as initiated_at,
        {{ load_metadata() }}
    from source
    where event_type = 'payment.refund.initiated'
),

final as (
    select * from renamed
)

select * from final
