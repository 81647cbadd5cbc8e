with

source as (
    {{ committed_rows(source('booking', 'booking_events')) }}
),

renamed as (
    select
        event_id,
        tenant_id,
        JSONExtractString(data, 'payment_id') as payment_id,
        JSONExtractString(data, 'order_id') as order_id,
        if(
            JSONExtractString(data, 'booking_id') != '', JSONExtractString(data, 'booking_id'), subject
        ) as booking_id,
        JSONExtractString(data, 'patient_id') as patient_id,
        if(
            JSONExtractString(data, 'branch_id') != '', JSONExtractString(data, 'branch_id'), branch_id
        ) as branch_id,
        if(event_type = 'payment.deposit.paid', 'deposit', 'balance') as purpose,
        JSONExtractInt(data, 'amount_paise') as amount_paise,
        JSONExtractString(data, 'currency') as currency,
        lower(JSONExtractString(data, 'method')) as method,
        if(
            JSONExtractString(data, 'gateway') != '', lower(JSONExtractString(data, 'gateway')), 'razorpay'
        ) as gateway,
        coalesce(
            parseDateTime64BestEffortOrNull(JSONExtractString(data, 'captured_at'), 3, 'UTC'), event_time
        ) as captured_at,
        event_time as event_at,
        {{ load_metadata() }}
    from source
    where event_type in ('payment.deposit.paid', 'payment.balance.paid')
),

final as (
    select * from renamed
)

select * from final
